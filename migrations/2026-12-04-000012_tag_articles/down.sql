DROP INDEX articles_unpublished_idx;
DROP TRIGGER tag_articles_removed ON article_tags;
DROP TRIGGER tag_articles_added ON article_tags;
DROP FUNCTION tag_articles_removed();
DROP FUNCTION tag_articles_added();
DROP TRIGGER tag_articles_sync ON articles;
DROP FUNCTION tag_articles_sync_article();
DROP TABLE tag_articles;
