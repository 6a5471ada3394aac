CREATE EXTENSION citext WITH SCHEMA public;
CREATE TABLE public.e (
    email public.citext
);
