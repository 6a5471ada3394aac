-- WARNING: data-dependent: new UNIQUE a_code_n_key on public.a: fails if existing rows are duplicates; builds an index under an ACCESS EXCLUSIVE lock
ALTER TABLE public.a ADD CONSTRAINT a_code_n_key UNIQUE (code, n);
