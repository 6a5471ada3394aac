SET LOCAL check_function_bodies = false;

CREATE OR REPLACE PROCEDURE public.log_it(IN m text)
 LANGUAGE sql
AS $procedure$ INSERT INTO logs VALUES (m) $procedure$;
