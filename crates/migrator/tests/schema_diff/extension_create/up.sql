CREATE EXTENSION citext WITH SCHEMA public;
COMMENT ON EXTENSION citext IS 'data type for case-insensitive character strings';
CREATE TABLE public.e (
    email public.citext
);
