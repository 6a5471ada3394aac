CREATE TABLE o (
    id integer PRIMARY KEY,
    total integer,
    status text
);
ALTER TABLE o ALTER COLUMN total SET DEFAULT 0;
CREATE VIEW v AS SELECT total FROM o;
