SET LOCAL check_function_bodies = false;

DROP FUNCTION public.fetch_job(q text);
DROP TABLE public.jobs;
