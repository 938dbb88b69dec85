DROP TRIGGER article_terms_sync ON articles;
DROP FUNCTION article_terms_sync();
DROP TABLE article_terms;
