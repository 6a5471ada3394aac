ALTER TABLE public.t ALTER COLUMN name SET DEFAULT 'anon'::text;
