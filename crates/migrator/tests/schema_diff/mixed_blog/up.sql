-- WARNING: destructive: drops column public.posts.draft and its data
-- WARNING: destructive: narrows public.posts.title from text to character varying(300): fails or loses data on existing values
-- WARNING: locking: changing the type of public.posts.title may rewrite the table under an ACCESS EXCLUSIVE lock
-- WARNING: data-dependent: SET NOT NULL on public.posts.title: fails if existing rows hold NULL, and scans the table
-- WARNING: data-dependent: new UNIQUE users_email_key on public.users: fails if existing rows are duplicates; builds an index under an ACCESS EXCLUSIVE lock
-- WARNING: locking: CREATE INDEX posts_user_idx on existing table public.posts blocks writes while it builds (CONCURRENTLY avoids that, in a `-- no-transaction` migration)
-- WARNING: data-dependent: constraint posts_user_id_fkey on public.posts validates every existing row (add it NOT VALID, then VALIDATE, to avoid the long lock)
DROP VIEW public.published;
ALTER TABLE public.posts DROP CONSTRAINT posts_user_id_fkey;
ALTER TABLE public.posts DROP COLUMN draft;
CREATE TYPE public.post_state AS ENUM ('draft', 'published');
ALTER TABLE public.posts ADD COLUMN state public.post_state DEFAULT 'draft'::public.post_state NOT NULL;
COMMENT ON COLUMN public.posts.state IS 'workflow';
ALTER TABLE public.posts ALTER COLUMN title TYPE character varying(300) USING title::character varying(300);
ALTER TABLE public.posts ALTER COLUMN title SET NOT NULL;
ALTER TABLE public.users ADD COLUMN name text;
ALTER TABLE public.users ADD CONSTRAINT users_email_key UNIQUE (email);
CREATE INDEX posts_user_idx ON public.posts USING btree (user_id);
ALTER TABLE public.posts ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;
CREATE VIEW public.published AS
 SELECT posts.id,
    posts.title
   FROM public.posts
  WHERE posts.state = 'published'::public.post_state;
