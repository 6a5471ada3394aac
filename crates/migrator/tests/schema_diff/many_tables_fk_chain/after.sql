CREATE TABLE a (
    id integer PRIMARY KEY
);
CREATE TABLE b (
    id integer PRIMARY KEY,
    a_id integer REFERENCES a (id)
);
CREATE TABLE c (
    id integer PRIMARY KEY,
    b_id integer REFERENCES b (id)
);
CREATE TABLE d (
    id integer PRIMARY KEY,
    c_id integer REFERENCES c (id),
    a_id integer REFERENCES a (id)
);
