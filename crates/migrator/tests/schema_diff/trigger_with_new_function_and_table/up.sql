SET LOCAL check_function_bodies = false;

CREATE OR REPLACE FUNCTION public.touch()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$ BEGIN NEW.updated_at := now(); RETURN NEW; END $function$;
CREATE TABLE public.doc (
    id integer NOT NULL,
    updated_at timestamp with time zone,
    CONSTRAINT doc_pkey PRIMARY KEY (id)
);
CREATE TRIGGER doc_touch BEFORE UPDATE ON public.doc FOR EACH ROW EXECUTE FUNCTION public.touch();
