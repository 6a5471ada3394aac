ALTER TABLE public.accounts RENAME CONSTRAINT accounts_pkey TO users_pkey;
ALTER TABLE public.accounts RENAME TO users;
