DROP VIEW public.open_orders;
CREATE VIEW public.open_orders AS
 SELECT o.id,
    o.total,
    o.status
   FROM public.o
  WHERE o.status <> 'closed'::text;
