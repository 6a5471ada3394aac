DROP VIEW public.v;
CREATE VIEW public.v AS
 SELECT o.id
   FROM public.o;
