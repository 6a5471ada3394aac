DROP POLICY mine ON public.notes;
ALTER TABLE public.notes ALTER COLUMN owner_id TYPE integer USING owner_id::integer;
CREATE POLICY mine ON public.notes AS PERMISSIVE FOR ALL TO public USING ((owner_id > 0));
