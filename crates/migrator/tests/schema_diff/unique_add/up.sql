-- WARNING: data-dependent: new UNIQUE a_code_key on public.a: fails if existing rows are duplicates; builds an index under an ACCESS EXCLUSIVE lock
ALTER TABLE public.a ADD CONSTRAINT a_code_key UNIQUE (code);
