-- WARNING: destructive: narrows public.t.n from text to integer: fails or loses data on existing values
-- WARNING: locking: changing the type of public.t.n may rewrite the table under an ACCESS EXCLUSIVE lock
ALTER TABLE public.t ALTER COLUMN n TYPE integer USING n::integer;
