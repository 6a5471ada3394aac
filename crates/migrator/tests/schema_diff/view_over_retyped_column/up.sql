-- WARNING: locking: changing the type of public.o.total may rewrite the table under an ACCESS EXCLUSIVE lock
DROP VIEW public.totals;
ALTER TABLE public.o ALTER COLUMN total TYPE bigint USING total::bigint;
CREATE VIEW public.totals AS
 SELECT o.id,
    o.total
   FROM public.o;
