ALTER TABLE public.p DROP COLUMN m;
DROP TYPE public.mood;
