CREATE TABLE o (
    id integer PRIMARY KEY,
    total bigint,
    status text
);
CREATE VIEW totals AS SELECT id, total FROM o;
