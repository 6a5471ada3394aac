-- WARNING: data-dependent: exclusion constraint booking_during_excl on public.booking: fails if existing rows conflict
ALTER TABLE public.booking ADD CONSTRAINT booking_during_excl EXCLUDE USING gist (during WITH &&);
