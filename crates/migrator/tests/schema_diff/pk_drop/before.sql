CREATE TABLE a (
    id integer NOT NULL,
    code text,
    n integer
);
ALTER TABLE a ADD PRIMARY KEY (id);
