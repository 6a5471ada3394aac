ALTER TABLE public.parent RENAME CONSTRAINT parent_pkey TO parent_pk;
