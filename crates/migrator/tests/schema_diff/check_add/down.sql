ALTER TABLE public.a DROP CONSTRAINT n_positive;
