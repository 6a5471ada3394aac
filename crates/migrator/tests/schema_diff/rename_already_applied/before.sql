CREATE TABLE accounts (
    id integer
);
