DO $$ BEGIN CREATE ROLE app_reader; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
