CREATE TABLE u (
    id integer PRIMARY KEY,
    email text,
    n integer
);
ALTER TABLE u ADD CONSTRAINT n_pos CHECK (n > 0);
