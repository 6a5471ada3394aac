CREATE TABLE o (
    id integer PRIMARY KEY,
    total integer,
    status text
);
CREATE VIEW open_orders AS SELECT id, total, status FROM o WHERE status <> 'closed';
