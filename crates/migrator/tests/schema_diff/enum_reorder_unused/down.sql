ALTER TYPE public.mood RENAME TO mood__admin_old;
CREATE TYPE public.mood AS ENUM ('happy', 'sad');
DROP TYPE public.mood__admin_old;
