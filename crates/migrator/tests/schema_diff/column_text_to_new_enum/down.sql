ALTER TABLE public.p ALTER COLUMN m TYPE text USING m::text;
DROP TYPE public.mood;
