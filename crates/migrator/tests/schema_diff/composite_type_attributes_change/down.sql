SET LOCAL check_function_bodies = false;

DROP FUNCTION public.make_pair(x integer);
DROP TYPE public.pair;
CREATE TYPE public.pair AS (
    a integer,
    b text,
    c integer
);
CREATE OR REPLACE FUNCTION public.make_pair(x integer)
 RETURNS public.pair
 LANGUAGE sql
AS $function$ SELECT ROW(x, '', 0)::pair $function$;
