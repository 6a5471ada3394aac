DROP STATISTICS public.t_ab;
