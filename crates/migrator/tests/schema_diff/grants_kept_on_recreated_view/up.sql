-- WARNING: locking: changing the type of public.t.n may rewrite the table under an ACCESS EXCLUSIVE lock
DROP VIEW public.v;
ALTER TABLE public.t ALTER COLUMN n TYPE bigint USING n::bigint;
CREATE VIEW public.v AS
 SELECT t.id,
    t.n
   FROM public.t;
COMMENT ON VIEW public.v IS 'totals';
GRANT SELECT ON TABLE public.v TO app_reader;
