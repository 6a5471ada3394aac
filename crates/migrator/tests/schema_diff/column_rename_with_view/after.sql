CREATE TABLE o (
    id integer PRIMARY KEY,
    amount integer, -- admin:renamed-from total
    status text
);
CREATE VIEW v AS SELECT id, amount FROM o;
