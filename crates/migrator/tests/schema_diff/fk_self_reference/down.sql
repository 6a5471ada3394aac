ALTER TABLE public.node DROP CONSTRAINT node_parent_id_fkey;
ALTER TABLE public.node DROP COLUMN parent_id;
