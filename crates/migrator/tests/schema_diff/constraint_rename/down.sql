ALTER TABLE public.u RENAME CONSTRAINT u_n_positive TO n_pos;
