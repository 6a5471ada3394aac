-- WARNING: destructive: drops enum type public.mood
DROP TYPE public.mood;
