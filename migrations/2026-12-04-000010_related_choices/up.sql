-- 相关新闻, chosen ahead of time: the best-scoring candidates of each article (besides the
-- editors' picks in article_related), kept up to date by writes, so an article page reads them
-- with an index lookup instead of scoring hundreds of candidates.
--
-- `score` is time-invariant: ln(shared terms × channel bonus) + ln 2 × (published day / half
-- life). Every candidate decays at the same rate, so the order it gives never changes with time.
CREATE TABLE related_choices (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    related_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    score DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (article_id, related_id),
    CHECK (article_id <> related_id)
);
CREATE INDEX related_choices_related_idx ON related_choices (related_id);
CREATE INDEX related_choices_order_idx ON related_choices (article_id, score DESC, related_id DESC);

-- Articles whose choices were computed (an article with no candidates has no rows above).
CREATE TABLE related_computed (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    computed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
