CREATE TABLE t (
    id serial PRIMARY KEY,
    x text
);
