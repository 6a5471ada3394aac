ALTER TABLE public.t ALTER COLUMN id TYPE integer USING id::integer;
