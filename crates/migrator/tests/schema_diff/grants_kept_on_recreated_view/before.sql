DO $$ BEGIN CREATE ROLE app_reader; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE TABLE t (id int, n int);
CREATE VIEW v AS SELECT id, n FROM t;
GRANT SELECT ON v TO app_reader;
COMMENT ON VIEW v IS $$totals$$;
