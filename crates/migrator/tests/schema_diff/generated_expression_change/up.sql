-- WARNING: locking: the generated column public.t.b is dropped and added again (rewrites the table)
ALTER TABLE public.t DROP COLUMN b;
ALTER TABLE public.t ADD COLUMN b integer GENERATED ALWAYS AS ((a * 3)) STORED;
