DROP VIEW public.published;
ALTER TABLE public.posts DROP CONSTRAINT posts_user_id_fkey;
DROP INDEX public.posts_user_idx;
ALTER TABLE public.users DROP CONSTRAINT users_email_key;
ALTER TABLE public.users DROP COLUMN name;
ALTER TABLE public.posts ALTER COLUMN title DROP NOT NULL;
ALTER TABLE public.posts ALTER COLUMN title TYPE text USING title::text;
ALTER TABLE public.posts DROP COLUMN state;
DROP TYPE public.post_state;
ALTER TABLE public.posts ADD COLUMN draft boolean;
ALTER TABLE public.posts ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);
CREATE VIEW public.published AS
 SELECT posts.id,
    posts.title
   FROM public.posts
  WHERE NOT posts.draft;
