SET LOCAL check_function_bodies = false;

DROP TABLE public.t;
DROP FUNCTION public.f();
