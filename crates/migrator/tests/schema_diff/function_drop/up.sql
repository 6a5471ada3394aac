SET LOCAL check_function_bodies = false;

DROP FUNCTION public.add1(x integer);
