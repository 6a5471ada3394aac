ALTER TABLE public.t ALTER COLUMN name_id TYPE text USING name_id::text;
ALTER TABLE public.t RENAME COLUMN name_id TO name;
