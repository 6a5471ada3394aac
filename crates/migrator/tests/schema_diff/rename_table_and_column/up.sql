ALTER TABLE public.t RENAME TO things;
ALTER TABLE public.things RENAME COLUMN name TO title;
ALTER TABLE public.things RENAME CONSTRAINT t_pkey TO things_pkey;
