ALTER TABLE public.t ADD COLUMN data jsonb;
ALTER TABLE public.t ADD COLUMN tags text[] DEFAULT '{}'::text[] NOT NULL;
