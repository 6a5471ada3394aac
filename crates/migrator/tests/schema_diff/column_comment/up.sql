COMMENT ON COLUMN public.t.name IS 'display name';
