CREATE TABLE public.f (
    id integer
) WITH (fillfactor=70);
