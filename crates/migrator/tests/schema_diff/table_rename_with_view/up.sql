DROP VIEW public.v;
ALTER TABLE public.o RENAME TO orders;
ALTER TABLE public.orders RENAME CONSTRAINT o_pkey TO orders_pkey;
CREATE VIEW public.v AS
 SELECT orders.id,
    orders.total
   FROM public.orders;
