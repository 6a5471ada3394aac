-- WARNING: destructive: drops column public.t.b and its data
ALTER TABLE public.t DROP COLUMN b;
