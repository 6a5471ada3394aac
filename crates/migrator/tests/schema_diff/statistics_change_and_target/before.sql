CREATE TABLE t (a int, b int, c int);
CREATE STATISTICS t_ab ON a, b FROM t;
CREATE STATISTICS t_bc (ndistinct) ON b, c FROM t;
