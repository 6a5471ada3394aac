CREATE TABLE u (
    id integer PRIMARY KEY,
    email text,
    org integer,
    tags text[],
    deleted_at timestamptz
);
CREATE INDEX u_idx ON u (org);
