ALTER TABLE public.t ADD COLUMN middle integer;
