SET LOCAL check_function_bodies = false;

DROP INDEX public.u_twice;
DROP INDEX public.u_norm;
DROP FUNCTION public.twice(x integer);
DROP FUNCTION public.norm(t text);
CREATE OR REPLACE FUNCTION public.twice(n integer)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT n * 2 $function$;
CREATE OR REPLACE FUNCTION public.norm(t text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT lower(t) $function$;
CREATE INDEX u_twice ON public.u USING btree (public.twice(length(email)));
CREATE INDEX u_norm ON public.u USING btree (public.norm(email));
