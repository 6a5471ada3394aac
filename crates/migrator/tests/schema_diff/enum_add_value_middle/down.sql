ALTER TYPE public.mood RENAME TO mood__admin_old;
CREATE TYPE public.mood AS ENUM ('happy', 'sad');
ALTER TABLE public.p ALTER COLUMN m TYPE public.mood USING m::text::public.mood;
ALTER TABLE public.p ALTER COLUMN ms TYPE public.mood[] USING ms::text[]::public.mood[];
DROP TYPE public.mood__admin_old;
