ALTER TABLE public.t RESET (fillfactor);
ALTER TABLE public.t SET (fillfactor=70, autovacuum_enabled=false);
