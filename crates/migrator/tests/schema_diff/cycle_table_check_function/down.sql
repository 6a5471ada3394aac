SET LOCAL check_function_bodies = false;

ALTER TABLE public.t DROP CONSTRAINT t_ok;
DROP FUNCTION public.ok(r public.t);
DROP TABLE public.t;
