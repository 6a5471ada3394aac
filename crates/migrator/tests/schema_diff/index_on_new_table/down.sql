DROP TABLE public.u;
