CREATE TABLE o (
    id integer PRIMARY KEY,
    total integer,
    status text
);
CREATE VIEW v1 AS SELECT id, total, status FROM o;
CREATE VIEW v2 AS SELECT id FROM v1 WHERE total > 10;
