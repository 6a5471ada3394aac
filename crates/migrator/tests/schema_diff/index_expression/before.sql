CREATE TABLE u (
    id integer PRIMARY KEY,
    email text,
    org integer,
    tags text[],
    deleted_at timestamptz
);
