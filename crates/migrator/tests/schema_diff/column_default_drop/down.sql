ALTER TABLE public.t ALTER COLUMN name SET DEFAULT 'a'::text;
