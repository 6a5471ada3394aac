CREATE TABLE u (
    id integer PRIMARY KEY,
    email text,
    n integer
);
ALTER TABLE u ADD CONSTRAINT u_n_positive CHECK (n > 0);
