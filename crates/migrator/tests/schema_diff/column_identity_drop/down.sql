ALTER TABLE public.t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('public.t', 'id'), greatest(coalesce(max(id) + 1, 1), 1), false) FROM public.t;
