DROP VIEW public.v;
ALTER TABLE public.o RENAME COLUMN amount TO total;
CREATE VIEW public.v AS
 SELECT o.id,
    o.total
   FROM public.o;
