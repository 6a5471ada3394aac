DROP VIEW public.v;
CREATE VIEW public.v WITH (security_barrier=true) AS
 SELECT o.id
   FROM public.o;
