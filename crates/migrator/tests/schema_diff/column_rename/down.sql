ALTER TABLE public.t RENAME COLUMN full_name TO name;
