SET LOCAL check_function_bodies = false;

CREATE TABLE public.t (
    a integer
);
CREATE OR REPLACE FUNCTION public.ok(r public.t)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT r.a > 0 $function$;
ALTER TABLE public.t ADD CONSTRAINT t_ok CHECK (public.ok(t.*));
