-- WARNING: destructive: narrows public.t.name_id from text to integer: fails or loses data on existing values
-- WARNING: locking: changing the type of public.t.name_id may rewrite the table under an ACCESS EXCLUSIVE lock
ALTER TABLE public.t RENAME COLUMN name TO name_id;
ALTER TABLE public.t ALTER COLUMN name_id TYPE integer USING name_id::integer;
