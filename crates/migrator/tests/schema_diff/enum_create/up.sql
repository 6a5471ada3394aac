CREATE TYPE public.mood AS ENUM ('happy', 'sad');
