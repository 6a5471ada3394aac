CREATE TABLE t (a int, b int, c text, d text);
ALTER TABLE t ALTER COLUMN b SET STATISTICS 100;
ALTER TABLE t ALTER COLUMN d SET (n_distinct = 10);
