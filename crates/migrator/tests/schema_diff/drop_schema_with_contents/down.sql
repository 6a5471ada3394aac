CREATE SCHEMA old;
CREATE TYPE old.k AS ENUM ('a');
CREATE TABLE old.t (
    id integer NOT NULL,
    CONSTRAINT t_pkey PRIMARY KEY (id)
);
CREATE VIEW old.v AS
 SELECT t.id
   FROM old.t;
