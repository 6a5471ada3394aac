-- WARNING: destructive: drops materialized view public.mv and its data
DROP MATERIALIZED VIEW public.mv;
