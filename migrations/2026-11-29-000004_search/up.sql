-- Full-text search: a weighted tsvector built by newsdesk from jieba-segmented text (NULL until
-- indexed) and the article's top keywords (for 相关新闻).
ALTER TABLE articles
    ADD COLUMN search_vector tsvector,
    ADD COLUMN keywords      TEXT[] NOT NULL DEFAULT '{}';
CREATE INDEX articles_search_idx ON articles USING gin (search_vector);
CREATE INDEX articles_keywords_idx ON articles USING gin (keywords);
-- Rows still to index (after this migration, or when written by another tool).
CREATE INDEX articles_unindexed_idx ON articles (id) WHERE search_vector IS NULL;

-- Editors' picks for 相关新闻, in order.
CREATE TABLE article_related (
    article_id BIGINT  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    related_id BIGINT  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, related_id),
    CHECK (article_id <> related_id)
);
CREATE INDEX article_related_related_idx ON article_related (related_id);
