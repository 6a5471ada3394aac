SET LOCAL check_function_bodies = false;

DROP FUNCTION public.add1(x integer);
CREATE OR REPLACE FUNCTION public.add1(x integer)
 RETURNS bigint
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT x + 1 $function$;
