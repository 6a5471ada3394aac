CREATE TABLE public.o (
    id integer NOT NULL,
    total integer,
    status text,
    CONSTRAINT o_pkey PRIMARY KEY (id)
);
CREATE VIEW public.v AS
 SELECT o.id
   FROM public.o;
