DROP TABLE public.m;
