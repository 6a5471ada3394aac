SET LOCAL check_function_bodies = false;

CREATE TABLE public.t (
    id integer NOT NULL,
    n integer,
    CONSTRAINT t_pkey PRIMARY KEY (id)
);
CREATE OR REPLACE FUNCTION public.empty_ts()
 RETURNS public.t[]
 LANGUAGE sql
AS $function$ SELECT ARRAY[]::t[] $function$;
ALTER TABLE public.t ALTER COLUMN n SET DEFAULT cardinality(public.empty_ts());
