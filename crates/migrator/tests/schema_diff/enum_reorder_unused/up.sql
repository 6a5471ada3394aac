ALTER TYPE public.mood RENAME TO mood__admin_old;
CREATE TYPE public.mood AS ENUM ('sad', 'happy');
DROP TYPE public.mood__admin_old;
