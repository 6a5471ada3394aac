CREATE TABLE orders ( -- admin:renamed-from o
    id integer PRIMARY KEY,
    total integer,
    status text
);
CREATE VIEW v AS SELECT id, total FROM orders;
