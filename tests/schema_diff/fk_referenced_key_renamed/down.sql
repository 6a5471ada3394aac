ALTER TABLE public.child DROP CONSTRAINT child_parent_fk;
ALTER TABLE public.parent DROP CONSTRAINT parent_pk;
ALTER TABLE public.parent ADD CONSTRAINT parent_pkey PRIMARY KEY (id);
ALTER TABLE public.child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES public.parent(id);
