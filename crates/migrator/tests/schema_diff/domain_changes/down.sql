ALTER DOMAIN public.posint DROP CONSTRAINT posint_even;
ALTER DOMAIN public.posint DROP NOT NULL;
ALTER DOMAIN public.posint DROP DEFAULT;
ALTER DOMAIN public.posint ADD CONSTRAINT posint_small CHECK ((VALUE < 1000));
