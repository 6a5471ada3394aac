ALTER TABLE public.accounts DROP CONSTRAINT accounts_pkey;
ALTER TABLE public.accounts RENAME TO users;
ALTER TABLE public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
