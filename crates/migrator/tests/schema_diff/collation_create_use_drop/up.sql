DROP COLLATION public.old_c;
CREATE COLLATION public.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE public.users (
    email text COLLATE public.ci,
    CONSTRAINT users_email_key UNIQUE (email)
);
