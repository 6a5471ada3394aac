DROP TYPE public.mood;
CREATE TYPE public.mood AS ENUM ('sad', 'happy');
