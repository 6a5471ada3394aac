-- WARNING: destructive: drops column public.t.age and its data
ALTER TABLE public.t DROP COLUMN age;
