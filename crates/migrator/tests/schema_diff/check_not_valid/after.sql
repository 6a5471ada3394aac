CREATE TABLE a (
    id integer NOT NULL,
    code text,
    n integer
);
ALTER TABLE a ADD CONSTRAINT n_small CHECK (n < 100) NOT VALID;
