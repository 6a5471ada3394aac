SET LOCAL check_function_bodies = false;

DROP FUNCTION public.make_pair(x integer);
DROP TYPE public.pair;
CREATE TYPE public.old_pair AS (
    a integer,
    b text
);
