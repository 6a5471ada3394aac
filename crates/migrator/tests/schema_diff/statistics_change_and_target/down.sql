DROP STATISTICS public.t_bc;
ALTER STATISTICS public.t_ab SET STATISTICS -1;
CREATE STATISTICS public.t_bc (ndistinct) ON b, c FROM public.t;
