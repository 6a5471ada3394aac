SET LOCAL check_function_bodies = false;

CREATE TABLE public.agg (
    id integer NOT NULL,
    creator_id integer,
    CONSTRAINT agg_pkey PRIMARY KEY (id)
);
CREATE OR REPLACE FUNCTION public.all_items(items public.agg[])
 RETURNS SETOF public.agg
 LANGUAGE sql
AS $function$ SELECT * FROM unnest(items) $function$;
CREATE OR REPLACE FUNCTION public.creator_of(a public.agg)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE
AS $function$ SELECT a.creator_id $function$;
