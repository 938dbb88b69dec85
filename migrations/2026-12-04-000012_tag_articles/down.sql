DROP INDEX articles_unpublished_idx;
DROP TRIGGER tag_articles_sync ON article_tags;
DROP FUNCTION tag_articles_sync_tag();
DROP TRIGGER tag_articles_sync ON articles;
DROP FUNCTION tag_articles_sync_article();
DROP TABLE tag_articles;
