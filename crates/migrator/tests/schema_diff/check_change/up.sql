-- WARNING: data-dependent: constraint n_positive on public.a validates every existing row (add it NOT VALID, then VALIDATE, to avoid the long lock)
ALTER TABLE public.a DROP CONSTRAINT n_positive;
ALTER TABLE public.a ADD CONSTRAINT n_positive CHECK ((n >= 0));
