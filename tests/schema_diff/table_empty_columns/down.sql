DROP TABLE public.marker;
