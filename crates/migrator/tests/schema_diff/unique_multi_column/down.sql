ALTER TABLE public.a DROP CONSTRAINT a_code_n_key;
