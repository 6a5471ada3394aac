CREATE SCHEMA old;
CREATE TABLE old.t (
    id integer PRIMARY KEY
);
CREATE TYPE old.k AS ENUM ('a');
CREATE VIEW old.v AS SELECT id FROM old.t;
