SET LOCAL check_function_bodies = false;

ALTER TABLE public.t ALTER COLUMN n DROP DEFAULT;
DROP FUNCTION public.empty_ts();
DROP TABLE public.t;
