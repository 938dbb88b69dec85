DROP TABLE article_related;
DROP INDEX articles_unindexed_idx;
DROP INDEX articles_keywords_idx;
DROP INDEX articles_search_idx;
ALTER TABLE articles
    DROP COLUMN keywords,
    DROP COLUMN search_vector;
