-- WARNING: destructive: narrows public.p.m from text to public.mood: fails or loses data on existing values
-- WARNING: locking: changing the type of public.p.m may rewrite the table under an ACCESS EXCLUSIVE lock
CREATE TYPE public.mood AS ENUM ('happy', 'sad');
ALTER TABLE public.p ALTER COLUMN m TYPE public.mood USING m::public.mood;
