CREATE TYPE public.mood AS ENUM ('happy', 'sad');
ALTER TABLE public.p ADD COLUMN m public.mood;
