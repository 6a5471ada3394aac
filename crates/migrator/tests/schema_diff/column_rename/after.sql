CREATE TABLE t (
    id integer PRIMARY KEY,
    full_name text -- admin:renamed-from name
);
