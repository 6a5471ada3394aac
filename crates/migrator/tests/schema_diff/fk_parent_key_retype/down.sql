ALTER TABLE public.p ALTER COLUMN id TYPE integer USING id::integer;
ALTER TABLE public.c ALTER COLUMN p_id TYPE integer USING p_id::integer;
