-- WARNING: destructive: drops table public.users and its data
DROP TABLE public.users;
