ALTER TABLE public.a ADD CONSTRAINT a_code_key UNIQUE (code);
