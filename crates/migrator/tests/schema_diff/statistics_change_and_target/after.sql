CREATE TABLE t (a int, b int, c int);
CREATE STATISTICS t_ab ON a, b FROM t;
ALTER STATISTICS t_ab SET STATISTICS 500;
CREATE STATISTICS t_bc (ndistinct, dependencies) ON b, c FROM t;
