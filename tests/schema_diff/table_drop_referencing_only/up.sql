-- WARNING: destructive: drops table public.posts and its data
ALTER TABLE public.posts DROP CONSTRAINT posts_user_id_fkey;
DROP TABLE public.posts;
