SET LOCAL check_function_bodies = false;

DROP PROCEDURE public.log_it(IN m text);
