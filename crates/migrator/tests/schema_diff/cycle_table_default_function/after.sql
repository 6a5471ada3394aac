CREATE TABLE t (id int PRIMARY KEY, n int);
CREATE FUNCTION empty_ts() RETURNS t[] LANGUAGE sql AS $$ SELECT ARRAY[]::t[] $$;
ALTER TABLE t ALTER COLUMN n SET DEFAULT cardinality(empty_ts());
