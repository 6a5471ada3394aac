-- WARNING: data-dependent: new PRIMARY KEY kid_pkey on public.kid: fails if existing rows are duplicates; builds an index under an ACCESS EXCLUSIVE lock
ALTER TABLE public.child DROP CONSTRAINT child_pkey;
ALTER TABLE public.child RENAME TO kid;
ALTER TABLE public.kid ADD CONSTRAINT kid_pkey PRIMARY KEY (id);
