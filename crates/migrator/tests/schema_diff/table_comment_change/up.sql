COMMENT ON TABLE public.users IS 'it''s new';
