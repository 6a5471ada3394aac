-- WARNING: data-dependent: new PRIMARY KEY accounts_pkey on public.accounts: fails if existing rows are duplicates; builds an index under an ACCESS EXCLUSIVE lock
ALTER TABLE public.users DROP CONSTRAINT users_pkey;
ALTER TABLE public.users RENAME TO accounts;
ALTER TABLE public.accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);
