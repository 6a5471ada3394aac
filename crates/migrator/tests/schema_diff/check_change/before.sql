CREATE TABLE a (
    id integer NOT NULL,
    code text,
    n integer
);
ALTER TABLE a ADD CONSTRAINT n_positive CHECK (n > 0);
