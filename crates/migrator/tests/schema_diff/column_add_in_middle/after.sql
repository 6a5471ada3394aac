CREATE TABLE t (
    id integer PRIMARY KEY,
    middle integer,
    name text
);
