DROP POLICY p ON public.notes;
CREATE POLICY p ON public.notes AS PERMISSIVE FOR SELECT TO public USING (true);
