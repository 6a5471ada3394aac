SET LOCAL check_function_bodies = false;

CREATE OR REPLACE FUNCTION public.audit()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  NEW.updated_at := now(); -- keep it fresh
  RETURN NEW;
END
$function$;
