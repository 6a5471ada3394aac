CREATE TABLE o (
    id integer PRIMARY KEY,
    total integer,
    status text
);
CREATE VIEW v WITH (security_barrier = true) AS SELECT id FROM o;
