ALTER TABLE public.t ADD COLUMN active boolean DEFAULT true NOT NULL;
