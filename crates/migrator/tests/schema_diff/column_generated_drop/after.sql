CREATE TABLE t (
    id integer PRIMARY KEY,
    name text,
    a integer
);
