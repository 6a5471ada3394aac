ALTER TABLE public.parent RENAME CONSTRAINT parent_pk TO parent_pkey;
