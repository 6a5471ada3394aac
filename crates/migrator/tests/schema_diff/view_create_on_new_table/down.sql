DROP VIEW public.v;
DROP TABLE public.o;
