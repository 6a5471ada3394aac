CREATE TABLE t (
    id integer PRIMARY KEY,
    name text,
    active boolean NOT NULL DEFAULT true
);
