ALTER TABLE public.kid RENAME CONSTRAINT kid_pkey TO child_pkey;
ALTER TABLE public.kid RENAME TO child;
