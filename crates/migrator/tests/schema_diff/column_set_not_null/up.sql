-- WARNING: data-dependent: SET NOT NULL on public.t.name: fails if existing rows hold NULL, and scans the table
ALTER TABLE public.t ALTER COLUMN name SET NOT NULL;
