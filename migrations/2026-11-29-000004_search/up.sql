-- Full-text search: a weighted tsvector built by newsdesk from jieba-segmented text (NULL until
-- indexed) and the article's top keywords (for 相关新闻).
ALTER TABLE articles
    ADD COLUMN search_vector tsvector,
    ADD COLUMN keywords      TEXT[] NOT NULL DEFAULT '{}';
-- Vectors are read whole for ranking and compress poorly: keep them out of line, uncompressed.
ALTER TABLE articles ALTER COLUMN search_vector SET STORAGE EXTERNAL;
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

-- Finding a free slug (`x`, `x-2`, `x-3` ...) looks up a byte-order range, whatever the
-- database's collation.
CREATE INDEX articles_slug_c_idx ON articles (slug COLLATE "C");
CREATE INDEX sources_slug_c_idx ON sources (slug COLLATE "C");
CREATE INDEX authors_slug_c_idx ON authors (slug COLLATE "C");
CREATE INDEX tags_slug_c_idx ON tags (slug COLLATE "C");
