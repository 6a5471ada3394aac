ALTER TABLE public.u RENAME CONSTRAINT n_pos TO u_n_positive;
