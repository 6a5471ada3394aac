CREATE POLICY own_notes ON public.notes AS PERMISSIVE FOR ALL TO public USING ((owner = CURRENT_USER)) WITH CHECK ((owner = CURRENT_USER));
