CREATE TABLE u (
    id integer PRIMARY KEY,
    email text,
    n integer
);
CREATE INDEX u_email_i ON u (email);
