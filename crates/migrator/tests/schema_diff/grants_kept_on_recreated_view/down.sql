DROP VIEW public.v;
ALTER TABLE public.t ALTER COLUMN n TYPE integer USING n::integer;
CREATE VIEW public.v AS
 SELECT t.id,
    t.n
   FROM public.t;
COMMENT ON VIEW public.v IS 'totals';
GRANT SELECT ON TABLE public.v TO app_reader;
