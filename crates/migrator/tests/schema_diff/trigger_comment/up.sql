SET LOCAL check_function_bodies = false;

CREATE OR REPLACE FUNCTION public.f()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$ BEGIN RETURN NEW; END $function$;
CREATE TABLE public.t (
    a integer
);
CREATE TRIGGER tr BEFORE INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION public.f();
COMMENT ON TRIGGER tr ON public.t IS 'x';
