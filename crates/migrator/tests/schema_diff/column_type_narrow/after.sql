CREATE TABLE t (
    id integer PRIMARY KEY,
    name text,
    code varchar(20)
);
