-- WARNING: locking: changing the type of public.t.id may rewrite the table under an ACCESS EXCLUSIVE lock
ALTER TABLE public.t ALTER COLUMN id TYPE bigint USING id::bigint;
