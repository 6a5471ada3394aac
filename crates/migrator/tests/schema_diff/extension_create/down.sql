DROP TABLE public.e;
DROP EXTENSION citext;
