-- WARNING: locking: changing the type of public.t.n may rewrite the table under an ACCESS EXCLUSIVE lock
ALTER TABLE public.t ALTER COLUMN n TYPE bigint USING n::bigint;
