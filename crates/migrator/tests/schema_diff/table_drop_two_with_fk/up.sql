-- WARNING: destructive: drops table public.posts and its data
-- WARNING: destructive: drops table public.users and its data
DROP TABLE public.posts;
DROP TABLE public.users;
