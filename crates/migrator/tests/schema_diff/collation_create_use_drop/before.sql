CREATE COLLATION old_c (provider = libc, locale = $$C$$);
