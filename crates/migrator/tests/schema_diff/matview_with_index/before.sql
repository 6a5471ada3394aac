CREATE TABLE o (
    id integer PRIMARY KEY,
    total integer,
    status text
);
CREATE MATERIALIZED VIEW mv AS SELECT status, count(*) AS n FROM o GROUP BY status;
