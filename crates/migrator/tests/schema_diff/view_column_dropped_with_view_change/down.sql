DROP VIEW public.v;
ALTER TABLE public.o ADD COLUMN status text;
CREATE VIEW public.v AS
 SELECT o.id,
    o.status
   FROM public.o;
