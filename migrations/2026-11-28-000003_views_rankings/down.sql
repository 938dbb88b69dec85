DROP TABLE ranking_entries;
DROP TABLE rankings;
DROP TABLE article_views_daily;
