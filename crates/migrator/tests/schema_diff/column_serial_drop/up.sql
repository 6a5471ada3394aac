-- WARNING: destructive: drops column public.t.id and its data
ALTER TABLE public.t DROP COLUMN id;
