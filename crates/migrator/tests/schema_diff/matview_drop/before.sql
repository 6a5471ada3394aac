CREATE TABLE o (
    id integer PRIMARY KEY,
    total integer,
    status text
);
CREATE MATERIALIZED VIEW mv AS SELECT status FROM o;
