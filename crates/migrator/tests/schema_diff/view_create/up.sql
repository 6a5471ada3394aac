CREATE VIEW public.open_orders AS
 SELECT o.id,
    o.total
   FROM public.o
  WHERE o.status = 'open'::text;
