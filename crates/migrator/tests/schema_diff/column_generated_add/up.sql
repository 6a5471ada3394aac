-- WARNING: locking: adding public.t.price_cents rewrites the table under an ACCESS EXCLUSIVE lock
ALTER TABLE public.t ADD COLUMN price_cents bigint GENERATED ALWAYS AS (((price * (100)::numeric))::bigint) STORED;
