CREATE MATERIALIZED VIEW public.mv AS
 SELECT o.status,
    count(*) AS n
   FROM public.o
  GROUP BY o.status;
