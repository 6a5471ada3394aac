-- WARNING: data-dependent: constraint node_parent_id_fkey on public.node validates every existing row (add it NOT VALID, then VALIDATE, to avoid the long lock)
ALTER TABLE public.node ADD COLUMN parent_id integer;
ALTER TABLE public.node ADD CONSTRAINT node_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.node(id);
