COMMENT ON CONSTRAINT n_positive ON public.a IS 'no zero';
