CREATE TABLE t (
    n bigint
);
