DROP TABLE public.d;
DROP TABLE public.c;
DROP TABLE public.b;
DROP TABLE public.a;
