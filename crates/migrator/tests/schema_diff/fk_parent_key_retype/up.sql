-- WARNING: locking: changing the type of public.c.p_id may rewrite the table under an ACCESS EXCLUSIVE lock
-- WARNING: locking: changing the type of public.p.id may rewrite the table under an ACCESS EXCLUSIVE lock
ALTER TABLE public.c ALTER COLUMN p_id TYPE bigint USING p_id::bigint;
ALTER TABLE public.p ALTER COLUMN id TYPE bigint USING id::bigint;
