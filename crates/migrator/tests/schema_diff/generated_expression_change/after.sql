CREATE TABLE t (
    id integer PRIMARY KEY,
    name text,
    a integer,
    b integer GENERATED ALWAYS AS (a * 3) STORED
);
