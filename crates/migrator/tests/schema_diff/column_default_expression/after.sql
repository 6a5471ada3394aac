CREATE TABLE t (
    id integer PRIMARY KEY,
    name text,
    at timestamptz DEFAULT now()
);
