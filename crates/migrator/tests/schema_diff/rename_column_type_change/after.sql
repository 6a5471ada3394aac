CREATE TABLE t (
    id integer PRIMARY KEY,
    name_id integer -- admin:renamed-from name
);
