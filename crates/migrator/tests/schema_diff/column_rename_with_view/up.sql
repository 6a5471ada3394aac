DROP VIEW public.v;
ALTER TABLE public.o RENAME COLUMN total TO amount;
CREATE VIEW public.v AS
 SELECT o.id,
    o.amount
   FROM public.o;
