DROP TABLE public.users;
DROP COLLATION public.ci;
CREATE COLLATION public.old_c (provider = libc, locale = 'C');
