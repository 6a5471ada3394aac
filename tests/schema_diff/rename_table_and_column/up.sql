-- WARNING: data-dependent: new PRIMARY KEY things_pkey on public.things: fails if existing rows are duplicates; builds an index under an ACCESS EXCLUSIVE lock
ALTER TABLE public.t DROP CONSTRAINT t_pkey;
ALTER TABLE public.t RENAME TO things;
ALTER TABLE public.things RENAME COLUMN name TO title;
ALTER TABLE public.things ADD CONSTRAINT things_pkey PRIMARY KEY (id);
