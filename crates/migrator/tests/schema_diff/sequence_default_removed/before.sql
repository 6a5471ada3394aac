CREATE SEQUENCE s;
CREATE TABLE t (
    n bigint DEFAULT nextval('s')
);
