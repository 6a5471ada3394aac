-- WARNING: locking: changing the type of public.notes.owner_id may rewrite the table under an ACCESS EXCLUSIVE lock
DROP POLICY mine ON public.notes;
ALTER TABLE public.notes ALTER COLUMN owner_id TYPE bigint USING owner_id::bigint;
CREATE POLICY mine ON public.notes AS PERMISSIVE FOR ALL TO public USING ((owner_id > 0));
