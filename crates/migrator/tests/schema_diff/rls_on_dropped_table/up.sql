-- WARNING: destructive: drops table public.notes and its data
DROP TABLE public.notes;
