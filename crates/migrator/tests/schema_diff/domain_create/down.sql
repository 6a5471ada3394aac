DROP DOMAIN public.posint;
