DROP TABLE edge_purges;
