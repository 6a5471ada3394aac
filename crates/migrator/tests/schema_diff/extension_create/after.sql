CREATE EXTENSION citext;
CREATE TABLE e (
    email citext
);
