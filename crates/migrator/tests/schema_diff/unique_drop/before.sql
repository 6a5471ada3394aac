CREATE TABLE a (
    id integer NOT NULL,
    code text,
    n integer
);
ALTER TABLE a ADD CONSTRAINT a_code_key UNIQUE (code);
