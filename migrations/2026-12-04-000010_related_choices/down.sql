DROP TABLE related_computed;
DROP TABLE related_choices;
