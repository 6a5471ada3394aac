CREATE MATERIALIZED VIEW public.mv AS
 SELECT o.status
   FROM public.o;
