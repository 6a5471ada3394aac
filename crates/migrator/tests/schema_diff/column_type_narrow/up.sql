-- WARNING: destructive: narrows public.t.code from character varying(50) to character varying(20): fails or loses data on existing values
-- WARNING: locking: changing the type of public.t.code may rewrite the table under an ACCESS EXCLUSIVE lock
ALTER TABLE public.t ALTER COLUMN code TYPE character varying(20) USING code::character varying(20);
