ALTER TABLE public.t ADD COLUMN age integer;
