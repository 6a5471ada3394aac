CREATE TABLE t (
    id integer PRIMARY KEY,
    name text,
    price numeric NOT NULL
);
