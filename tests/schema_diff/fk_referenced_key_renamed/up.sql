-- WARNING: data-dependent: new PRIMARY KEY parent_pk on public.parent: fails if existing rows are duplicates; builds an index under an ACCESS EXCLUSIVE lock
-- WARNING: data-dependent: constraint child_parent_fk on public.child validates every existing row (add it NOT VALID, then VALIDATE, to avoid the long lock)
ALTER TABLE public.child DROP CONSTRAINT child_parent_fk;
ALTER TABLE public.parent DROP CONSTRAINT parent_pkey;
ALTER TABLE public.parent ADD CONSTRAINT parent_pk PRIMARY KEY (id);
ALTER TABLE public.child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES public.parent(id);
