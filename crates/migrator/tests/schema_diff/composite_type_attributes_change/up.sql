SET LOCAL check_function_bodies = false;

DROP FUNCTION public.make_pair(x integer);
DROP TYPE public.pair;
CREATE TYPE public.pair AS (
    a bigint,
    c integer,
    d text
);
CREATE OR REPLACE FUNCTION public.make_pair(x integer)
 RETURNS public.pair
 LANGUAGE sql
AS $function$ SELECT ROW(x, 0, '')::pair $function$;
