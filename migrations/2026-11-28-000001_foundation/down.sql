DROP TABLE sources;
DROP TABLE categories;
DROP TABLE users;
