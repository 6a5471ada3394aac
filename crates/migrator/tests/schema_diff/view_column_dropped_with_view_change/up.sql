-- WARNING: destructive: drops column public.o.status and its data
DROP VIEW public.v;
ALTER TABLE public.o DROP COLUMN status;
CREATE VIEW public.v AS
 SELECT o.id
   FROM public.o;
