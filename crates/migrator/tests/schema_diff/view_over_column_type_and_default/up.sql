-- WARNING: destructive: narrows public.o.total from integer to numeric(12,2): fails or loses data on existing values
-- WARNING: locking: changing the type of public.o.total may rewrite the table under an ACCESS EXCLUSIVE lock
DROP VIEW public.v;
ALTER TABLE public.o ALTER COLUMN total DROP DEFAULT;
ALTER TABLE public.o ALTER COLUMN total TYPE numeric(12,2) USING total::numeric(12,2);
ALTER TABLE public.o ALTER COLUMN total SET DEFAULT 0.0;
CREATE VIEW public.v AS
 SELECT o.total
   FROM public.o;
