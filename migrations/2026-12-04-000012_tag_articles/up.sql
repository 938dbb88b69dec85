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
-- (The triggers' statements run through EXECUTE: planned each time with the table sizes of
-- now. A plan cached for the session keeps the sizes of its first use, and with the tables
-- nearly empty then, a bulk import became a scan per row.)
CREATE FUNCTION tag_articles_sync_article() RETURNS trigger AS $$
BEGIN
    EXECUTE 'DELETE FROM tag_articles WHERE article_id = $1' USING NEW.id;
    IF NEW.status = 'published' AND NEW.deleted_at IS NULL AND NEW.published_at IS NOT NULL THEN
        EXECUTE 'INSERT INTO tag_articles (tag_id, article_id, published_at)
                 SELECT x.tag_id, $1, $2 FROM article_tags x WHERE x.article_id = $1'
            USING NEW.id, NEW.published_at;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER tag_articles_sync AFTER UPDATE OF published_at, status, deleted_at
    ON articles FOR EACH ROW EXECUTE FUNCTION tag_articles_sync_article();

-- Tags put on or taken off articles: once per statement, over its transition tables (a bulk
-- import adds thousands of rows in one statement; one join beats a lookup per row).
CREATE FUNCTION tag_articles_added() RETURNS trigger AS $$
BEGIN
    EXECUTE 'INSERT INTO tag_articles (tag_id, article_id, published_at)
             SELECT n.tag_id, n.article_id, a.published_at FROM added n
               JOIN articles a ON a.id = n.article_id
              WHERE a.status = ''published'' AND a.deleted_at IS NULL
                AND a.published_at IS NOT NULL
             ON CONFLICT DO NOTHING';
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION tag_articles_removed() RETURNS trigger AS $$
BEGIN
    EXECUTE 'DELETE FROM tag_articles t USING removed o
              WHERE t.tag_id = o.tag_id AND t.article_id = o.article_id';
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER tag_articles_added AFTER INSERT ON article_tags
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION tag_articles_added();
CREATE TRIGGER tag_articles_removed AFTER DELETE ON article_tags
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION tag_articles_removed();
-- (Rows of article_tags are inserted and deleted, never updated to another tag or article;
-- an update of `position` changes nothing here.)

INSERT INTO tag_articles (tag_id, article_id, published_at)
SELECT x.tag_id, a.id, a.published_at FROM article_tags x JOIN articles a ON a.id = x.article_id
 WHERE a.status = 'published' AND a.deleted_at IS NULL AND a.published_at IS NOT NULL;

-- Drafts and other unpublished articles outside the trash: few, scanned whole when a write
-- looks for the articles whose 相关新闻 it may belong in.
CREATE INDEX articles_unpublished_idx ON articles (id) WHERE status <> 'published' AND deleted_at IS NULL;
