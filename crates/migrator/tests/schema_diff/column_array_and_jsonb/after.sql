CREATE TABLE t (
    id integer PRIMARY KEY,
    name text,
    tags text[] NOT NULL DEFAULT '{}',
    data jsonb
);
