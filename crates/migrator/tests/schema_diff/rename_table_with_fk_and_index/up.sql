ALTER TABLE public.child RENAME TO kid;
ALTER TABLE public.kid RENAME CONSTRAINT child_pkey TO kid_pkey;
