DROP TRIGGER jobs_notify ON public.jobs;
DROP VIEW public.open_jobs2;
DROP VIEW public.open_jobs;
DROP INDEX public.jobs_todo;
ALTER TABLE public.jobs DROP CONSTRAINT jobs_not_doing;
ALTER TABLE public.jobs ALTER COLUMN status DROP DEFAULT;
DROP FUNCTION public.is_open(s public.status);
ALTER TYPE public.status RENAME TO status__admin_old;
CREATE TYPE public.status AS ENUM ('todo', 'doing', 'done');
ALTER TABLE public.jobs ALTER COLUMN status TYPE public.status USING status::text::public.status;
ALTER TABLE public.jobs ALTER COLUMN tags TYPE public.status[] USING tags::text[]::public.status[];
DROP TYPE public.status__admin_old;
CREATE OR REPLACE FUNCTION public.is_open(s public.status)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT s <> $x$done$x$ $function$;
ALTER TABLE public.jobs ALTER COLUMN status SET DEFAULT 'todo'::public.status;
ALTER TABLE public.jobs ADD CONSTRAINT jobs_not_doing CHECK (((status <> 'doing'::public.status) OR (id > 0)));
CREATE INDEX jobs_todo ON public.jobs USING btree (id) WHERE (status = 'todo'::public.status);
CREATE VIEW public.open_jobs2 AS
 SELECT jobs.id
   FROM public.jobs
  WHERE public.is_open(jobs.status);
CREATE VIEW public.open_jobs AS
 SELECT jobs.id
   FROM public.jobs
  WHERE jobs.status <> 'done'::public.status;
CREATE TRIGGER jobs_notify AFTER INSERT ON public.jobs FOR EACH ROW WHEN ((new.status = 'todo'::public.status)) EXECUTE FUNCTION public.notify_job();
