CREATE STATISTICS public.t_ab ON a, b FROM public.t;
