ALTER TABLE public.things RENAME CONSTRAINT things_pkey TO t_pkey;
ALTER TABLE public.things RENAME COLUMN title TO name;
ALTER TABLE public.things RENAME TO t;
