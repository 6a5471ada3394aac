DROP STATISTICS public.t_bc;
ALTER STATISTICS public.t_ab SET STATISTICS 500;
CREATE STATISTICS public.t_bc (ndistinct, dependencies) ON b, c FROM public.t;
