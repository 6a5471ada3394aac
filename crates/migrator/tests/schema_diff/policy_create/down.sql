DROP POLICY own_notes ON public.notes;
