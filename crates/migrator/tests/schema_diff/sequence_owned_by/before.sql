CREATE SEQUENCE s;
CREATE TABLE t (
    n bigint
);
