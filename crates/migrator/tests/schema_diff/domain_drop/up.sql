-- WARNING: destructive: drops domain public.d
DROP DOMAIN public.d;
