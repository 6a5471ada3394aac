SET LOCAL check_function_bodies = false;

CREATE SEQUENCE public.jobs_id_seq AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE;
CREATE TABLE public.jobs (
    id bigint DEFAULT nextval('public.jobs_id_seq'::regclass) NOT NULL,
    queue text NOT NULL,
    CONSTRAINT jobs_pkey PRIMARY KEY (id)
);
CREATE OR REPLACE FUNCTION public.fetch_job(q text)
 RETURNS public.jobs
 LANGUAGE sql
AS $function$ SELECT * FROM jobs WHERE queue = q LIMIT 1 $function$;
ALTER SEQUENCE public.jobs_id_seq OWNED BY public.jobs.id;
