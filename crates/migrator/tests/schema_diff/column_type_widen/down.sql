ALTER TABLE public.t ALTER COLUMN n TYPE integer USING n::integer;
