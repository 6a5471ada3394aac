-- WARNING: locking: SET LOGGED rewrites public.a under an ACCESS EXCLUSIVE lock
-- WARNING: locking: SET UNLOGGED rewrites public.b under an ACCESS EXCLUSIVE lock
ALTER SEQUENCE public.a_id_seq SET LOGGED;
CREATE UNLOGGED TABLE public.c (
    id integer GENERATED ALWAYS AS IDENTITY NOT NULL
);
ALTER TABLE public.a SET LOGGED;
ALTER TABLE public.b SET UNLOGGED;
