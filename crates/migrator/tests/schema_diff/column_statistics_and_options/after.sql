CREATE TABLE t (a int, b int, c text, d text);
ALTER TABLE t ALTER COLUMN a SET STATISTICS 500;
ALTER TABLE t ALTER COLUMN c SET (n_distinct = -0.5, n_distinct_inherited = 100);
