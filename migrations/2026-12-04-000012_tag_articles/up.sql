-- The tags of published articles (scheduled ones included) with their publish times, newest
-- first per tag, so that the newest articles sharing a tag are an index range (as
-- `article_terms` does for keywords) instead of every article with the tag, sorted: a common
-- tag is on tens of thousands at 200,000 articles. Kept by triggers on both tables.
CREATE TABLE tag_articles (
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    published_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tag_id, article_id)
);
CREATE INDEX tag_articles_newest_idx ON tag_articles (tag_id, published_at DESC, article_id DESC);
CREATE INDEX tag_articles_article_idx ON tag_articles (article_id);

-- An article's publish time or state changed: its rows again.
CREATE FUNCTION tag_articles_sync_article() RETURNS trigger AS $$
BEGIN
    DELETE FROM tag_articles WHERE article_id = NEW.id;
    IF NEW.status = 'published' AND NEW.deleted_at IS NULL AND NEW.published_at IS NOT NULL THEN
        INSERT INTO tag_articles (tag_id, article_id, published_at)
        SELECT x.tag_id, NEW.id, NEW.published_at FROM article_tags x WHERE x.article_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER tag_articles_sync AFTER UPDATE OF published_at, status, deleted_at
    ON articles FOR EACH ROW EXECUTE FUNCTION tag_articles_sync_article();

-- A tag was put on or taken off an article.
CREATE FUNCTION tag_articles_sync_tag() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM tag_articles WHERE tag_id = OLD.tag_id AND article_id = OLD.article_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO tag_articles (tag_id, article_id, published_at)
        SELECT NEW.tag_id, a.id, a.published_at FROM articles a
         WHERE a.id = NEW.article_id AND a.status = 'published' AND a.deleted_at IS NULL
           AND a.published_at IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER tag_articles_sync AFTER INSERT OR UPDATE OR DELETE
    ON article_tags FOR EACH ROW EXECUTE FUNCTION tag_articles_sync_tag();

INSERT INTO tag_articles (tag_id, article_id, published_at)
SELECT x.tag_id, a.id, a.published_at FROM article_tags x JOIN articles a ON a.id = x.article_id
 WHERE a.status = 'published' AND a.deleted_at IS NULL AND a.published_at IS NOT NULL;

-- Drafts and other unpublished articles outside the trash: few, scanned whole when a write
-- looks for the articles whose 相关新闻 it may belong in.
CREATE INDEX articles_unpublished_idx ON articles (id) WHERE status <> 'published' AND deleted_at IS NULL;
