-- WARNING: destructive: drops composite type public.old_pair
SET LOCAL check_function_bodies = false;

DROP TYPE public.old_pair;
CREATE TYPE public.pair AS (
    a integer,
    b text COLLATE pg_catalog."C",
    c numeric(10,2)
);
CREATE OR REPLACE FUNCTION public.make_pair(x integer)
 RETURNS public.pair
 LANGUAGE sql
AS $function$ SELECT ROW(x, '', 0)::pair $function$;
