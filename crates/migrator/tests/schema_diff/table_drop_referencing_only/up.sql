-- WARNING: destructive: drops table public.posts and its data
DROP TABLE public.posts;
