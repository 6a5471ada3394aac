DROP VIEW public.v2;
DROP VIEW public.v1;
CREATE VIEW public.v1 AS
 SELECT o.id,
    o.total
   FROM public.o;
CREATE VIEW public.v2 AS
 SELECT v1.id
   FROM public.v1
  WHERE v1.total > 10;
