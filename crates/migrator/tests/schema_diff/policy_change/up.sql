DROP POLICY p ON public.notes;
CREATE POLICY p ON public.notes AS RESTRICTIVE FOR SELECT TO postgres USING ((owner <> ''::text));
