ALTER TABLE public.posts DROP CONSTRAINT posts_user_id_fkey;
DROP TABLE public.users;
DROP TABLE public.posts;
