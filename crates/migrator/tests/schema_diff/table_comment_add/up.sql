COMMENT ON TABLE public.users IS 'people who log in';
