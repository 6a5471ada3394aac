DROP VIEW public.v;
ALTER TABLE public.o ALTER COLUMN total DROP DEFAULT;
ALTER TABLE public.o ALTER COLUMN total TYPE integer USING total::integer;
ALTER TABLE public.o ALTER COLUMN total SET DEFAULT 0;
CREATE VIEW public.v AS
 SELECT o.total
   FROM public.o;
