ALTER TABLE public.users RENAME TO accounts;
ALTER TABLE public.accounts RENAME CONSTRAINT users_pkey TO accounts_pkey;
