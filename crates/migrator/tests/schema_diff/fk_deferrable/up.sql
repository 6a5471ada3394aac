-- WARNING: data-dependent: constraint child_parent_fk on public.child validates every existing row (add it NOT VALID, then VALIDATE, to avoid the long lock)
ALTER TABLE public.child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES public.parent(id) DEFERRABLE INITIALLY DEFERRED;
