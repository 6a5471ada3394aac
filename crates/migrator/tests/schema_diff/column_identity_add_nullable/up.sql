-- WARNING: data-dependent: identity on existing column public.t.id: the migration moves its sequence past the values already there (setval)
ALTER TABLE public.t ALTER COLUMN id SET NOT NULL;
ALTER TABLE public.t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('public.t', 'id'), greatest(coalesce(max(id) + 1, 1), 1), false) FROM public.t;
