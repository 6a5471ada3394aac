ALTER TABLE public.t DROP COLUMN middle;
