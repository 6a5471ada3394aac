DO $$ BEGIN CREATE ROLE app_reader; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE SCHEMA api;
CREATE TABLE api.t (id int, secret text);
GRANT SELECT ON api.t TO app_reader;
CREATE FUNCTION api.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE SEQUENCE api.s;
