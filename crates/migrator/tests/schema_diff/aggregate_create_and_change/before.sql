CREATE FUNCTION add2(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;
CREATE AGGREGATE total(int) (SFUNC = add2, STYPE = int, INITCOND = $$0$$);
CREATE VIEW v AS SELECT total(x) FROM (VALUES (1), (2)) s(x);
