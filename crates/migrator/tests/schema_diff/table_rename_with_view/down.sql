DROP VIEW public.v;
ALTER TABLE public.orders RENAME CONSTRAINT orders_pkey TO o_pkey;
ALTER TABLE public.orders RENAME TO o;
CREATE VIEW public.v AS
 SELECT o.id,
    o.total
   FROM public.o;
