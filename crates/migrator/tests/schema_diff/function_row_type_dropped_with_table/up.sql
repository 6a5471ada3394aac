-- WARNING: destructive: drops table public.jobs and its data
SET LOCAL check_function_bodies = false;

DROP VIEW public.next_jobs;
ALTER TABLE public.jobs ALTER COLUMN id DROP DEFAULT;
DROP FUNCTION public.fetch_job(q text);
DROP TABLE public.jobs;
