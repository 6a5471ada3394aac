CREATE TABLE o (
    id integer PRIMARY KEY,
    total integer,
    status text
);
