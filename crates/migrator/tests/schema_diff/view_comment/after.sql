CREATE TABLE o (
    id integer PRIMARY KEY,
    total integer,
    status text
);
CREATE VIEW v AS SELECT id FROM o;
COMMENT ON VIEW v IS 'ids';
