ALTER TABLE public.t ALTER COLUMN n TYPE text USING n::text;
