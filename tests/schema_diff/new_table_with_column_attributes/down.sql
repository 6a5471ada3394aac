DROP TABLE public.t;
