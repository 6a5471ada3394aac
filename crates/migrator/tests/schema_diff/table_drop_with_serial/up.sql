-- WARNING: destructive: drops table public.t and its data
DROP TABLE public.t;
