ALTER TABLE public.t DROP COLUMN active;
