CREATE TABLE public.u (
    id integer NOT NULL,
    email text,
    org integer,
    tags text[],
    deleted_at timestamp with time zone,
    CONSTRAINT u_pkey PRIMARY KEY (id)
);
CREATE INDEX u_org_idx ON public.u USING btree (org);
