SET LOCAL check_function_bodies = false;

DROP TABLE public.t;
DROP TYPE public.floatrange;
DROP FUNCTION public.float8_diff(a double precision, b double precision);
CREATE TYPE public.oldspan AS RANGE (SUBTYPE = integer);
