SET LOCAL check_function_bodies = false;

DROP INDEX public.u_norm;
DROP INDEX public.u_twice;
DROP FUNCTION public.norm(t text);
DROP FUNCTION public.twice(n integer);
CREATE OR REPLACE FUNCTION public.norm(t text)
 RETURNS character varying
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT lower(t) $function$;
CREATE OR REPLACE FUNCTION public.twice(x integer)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT x * 2 $function$;
CREATE INDEX u_norm ON public.u USING btree (public.norm(email));
CREATE INDEX u_twice ON public.u USING btree (public.twice(length(email)));
