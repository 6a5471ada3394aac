-- WARNING: data-dependent: new sequence public.s for existing column public.t.n: the migration moves it past the values already there (setval)
CREATE SEQUENCE public.s AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE;
ALTER TABLE public.t ALTER COLUMN n SET DEFAULT nextval('public.s'::regclass);
SELECT setval('public.s', greatest(coalesce(max(n) + 1, 1), 1), false) FROM public.t;
