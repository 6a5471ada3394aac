ALTER TABLE public.t RESET (fillfactor, autovacuum_enabled);
ALTER TABLE public.t SET (fillfactor=80);
