SET LOCAL check_function_bodies = false;

CREATE TABLE public.jobs (
    id bigint NOT NULL,
    queue text NOT NULL,
    CONSTRAINT jobs_pkey PRIMARY KEY (id)
);
CREATE OR REPLACE FUNCTION public.fetch_job(q text)
 RETURNS public.jobs
 LANGUAGE sql
AS $function$ SELECT * FROM jobs WHERE queue = q LIMIT 1 $function$;
CREATE SEQUENCE public.jobs_id_seq AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE;
ALTER TABLE public.jobs ALTER COLUMN id SET DEFAULT nextval('public.jobs_id_seq'::regclass);
CREATE VIEW public.next_jobs AS
 SELECT (public.fetch_job(v.q)).id AS id
   FROM ( VALUES ('a'::text)) v(q);
ALTER SEQUENCE public.jobs_id_seq OWNED BY public.jobs.id;
