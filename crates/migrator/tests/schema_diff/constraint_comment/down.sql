COMMENT ON CONSTRAINT n_positive ON public.a IS NULL;
