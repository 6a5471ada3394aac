-- WARNING: locking: changing the type of public.t.name may rewrite the table under an ACCESS EXCLUSIVE lock
ALTER TABLE public.t ALTER COLUMN name TYPE text COLLATE pg_catalog."C" USING name::text;
