-- WARNING: destructive: drops range type public.oldspan
SET LOCAL check_function_bodies = false;

DROP TYPE public.oldspan;
CREATE OR REPLACE FUNCTION public.float8_diff(a double precision, b double precision)
 RETURNS double precision
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT a - b $function$;
CREATE TYPE public.floatrange AS RANGE (SUBTYPE = double precision, SUBTYPE_DIFF = public.float8_diff);
CREATE TABLE public.t (
    r public.floatrange
);
