-- WARNING: destructive: drops type public.mood
DROP TYPE public.mood;
