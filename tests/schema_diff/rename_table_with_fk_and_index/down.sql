ALTER TABLE public.kid DROP CONSTRAINT kid_pkey;
ALTER TABLE public.kid RENAME TO child;
ALTER TABLE public.child ADD CONSTRAINT child_pkey PRIMARY KEY (id);
