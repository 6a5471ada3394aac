CREATE TABLE o (
    id integer PRIMARY KEY,
    total integer
);
CREATE VIEW v AS SELECT id FROM o;
