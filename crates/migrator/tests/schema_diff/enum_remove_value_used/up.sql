-- WARNING: data-dependent: enum public.mood loses or reorders labels (happy, sad → happy): converting its columns fails if rows hold a removed label
ALTER TYPE public.mood RENAME TO mood__admin_old;
CREATE TYPE public.mood AS ENUM ('happy');
ALTER TABLE public.p ALTER COLUMN m TYPE public.mood USING m::text::public.mood;
DROP TYPE public.mood__admin_old;
