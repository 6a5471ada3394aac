ALTER TABLE public.booking DROP CONSTRAINT booking_during_excl;
