SET LOCAL check_function_bodies = false;

ALTER TABLE public.t ALTER COLUMN n DROP DEFAULT;
DROP FUNCTION public.add1(x integer);
