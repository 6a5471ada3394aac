CREATE TABLE u (
    id integer PRIMARY KEY,
    email text,
    org integer,
    tags text[],
    deleted_at timestamptz
);
CREATE UNIQUE INDEX u_email_key ON u (email);
