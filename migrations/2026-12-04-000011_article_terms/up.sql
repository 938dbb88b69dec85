-- The keywords of published articles (scheduled ones included) as rows, newest first per keyword, so that the
-- newest articles sharing a keyword are an index range instead of every article that has it
-- (a common keyword is on thousands). Kept by a trigger on every write path.
CREATE TABLE article_terms (
    term TEXT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    published_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (term, article_id)
);
CREATE INDEX article_terms_newest_idx ON article_terms (term, published_at DESC, article_id DESC);
CREATE INDEX article_terms_article_idx ON article_terms (article_id);

CREATE FUNCTION article_terms_sync() RETURNS trigger AS $$
BEGIN
    DELETE FROM article_terms WHERE article_id = NEW.id;
    IF NEW.status = 'published' AND NEW.deleted_at IS NULL AND NEW.published_at IS NOT NULL THEN
        INSERT INTO article_terms (term, article_id, published_at)
        SELECT DISTINCT k, NEW.id, NEW.published_at FROM unnest(NEW.keywords) AS k WHERE k IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER article_terms_sync AFTER INSERT OR UPDATE OF keywords, published_at, status, deleted_at
    ON articles FOR EACH ROW EXECUTE FUNCTION article_terms_sync();

INSERT INTO article_terms (term, article_id, published_at)
SELECT DISTINCT k, a.id, a.published_at FROM articles a, unnest(a.keywords) AS k
 WHERE a.status = 'published' AND a.deleted_at IS NULL AND a.published_at IS NOT NULL AND k IS NOT NULL;
