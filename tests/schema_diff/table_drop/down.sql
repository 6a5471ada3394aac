CREATE TABLE public.users (
    id integer NOT NULL,
    email text NOT NULL
);
ALTER TABLE public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
