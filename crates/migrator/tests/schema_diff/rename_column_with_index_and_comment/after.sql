CREATE TABLE t (
    id integer PRIMARY KEY,
    -- admin:renamed-from name
    label text
);
CREATE INDEX t_name_idx ON t (label);
COMMENT ON COLUMN t.label IS 'n';
