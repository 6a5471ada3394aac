-- WARNING: data-dependent: adds NOT NULL column public.t.code without a default: fails if the table has rows
ALTER TABLE public.t ADD COLUMN code text NOT NULL;
