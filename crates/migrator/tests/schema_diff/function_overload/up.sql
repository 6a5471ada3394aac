SET LOCAL check_function_bodies = false;

CREATE OR REPLACE FUNCTION public.add1(x bigint)
 RETURNS bigint
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT x + 1 $function$;
