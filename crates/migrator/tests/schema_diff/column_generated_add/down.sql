ALTER TABLE public.t DROP COLUMN price_cents;
