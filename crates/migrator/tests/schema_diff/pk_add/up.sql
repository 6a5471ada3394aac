-- WARNING: data-dependent: new PRIMARY KEY a_pkey on public.a: fails if existing rows are duplicates; builds an index under an ACCESS EXCLUSIVE lock
ALTER TABLE public.a ADD CONSTRAINT a_pkey PRIMARY KEY (id);
