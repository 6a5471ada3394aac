SET LOCAL check_function_bodies = false;

DROP TABLE public.doc;
DROP FUNCTION public.touch();
