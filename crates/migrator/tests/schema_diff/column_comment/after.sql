CREATE TABLE t (
    id integer PRIMARY KEY,
    name text
);
COMMENT ON COLUMN t.name IS 'display name';
