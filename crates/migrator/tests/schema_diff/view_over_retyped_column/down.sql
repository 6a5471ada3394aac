DROP VIEW public.totals;
ALTER TABLE public.o ALTER COLUMN total TYPE integer USING total::integer;
CREATE VIEW public.totals AS
 SELECT o.id,
    o.total
   FROM public.o;
