ALTER TABLE public.a DROP CONSTRAINT n_positive;
ALTER TABLE public.a ADD CONSTRAINT n_positive CHECK ((n > 0));
