CREATE TABLE u (
    id integer PRIMARY KEY,
    email text,
    n integer
);
CREATE INDEX u_email_idx ON u (email);
