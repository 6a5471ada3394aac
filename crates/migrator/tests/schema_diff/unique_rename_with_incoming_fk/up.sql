ALTER TABLE public.a RENAME CONSTRAINT a_code_k TO a_code_key;
