ALTER TABLE public.things DROP CONSTRAINT things_pkey;
ALTER TABLE public.things RENAME COLUMN title TO name;
ALTER TABLE public.things RENAME TO t;
ALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);
