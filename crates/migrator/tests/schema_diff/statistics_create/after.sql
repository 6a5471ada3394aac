CREATE TABLE t (
    a integer,
    b integer
);
CREATE STATISTICS t_ab ON a, b FROM t;
