CREATE TABLE public.marker ();
