COMMENT ON TABLE public.users IS 'old';
