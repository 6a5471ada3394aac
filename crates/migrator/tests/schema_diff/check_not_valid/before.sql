CREATE TABLE a (
    id integer NOT NULL,
    code text,
    n integer
);
