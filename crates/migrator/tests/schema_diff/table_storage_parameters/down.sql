DROP TABLE public.f;
