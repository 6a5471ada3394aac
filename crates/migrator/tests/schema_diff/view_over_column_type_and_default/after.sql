CREATE TABLE o (
    id integer PRIMARY KEY,
    total numeric(12,2) DEFAULT 0.0,
    status text
);
CREATE VIEW v AS SELECT total FROM o;
