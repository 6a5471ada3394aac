-- WARNING: locking: CREATE INDEX u_live_idx on existing table public.u blocks writes while it builds (CONCURRENTLY avoids that, in a `-- no-transaction` migration)
CREATE INDEX u_live_idx ON public.u USING btree (org) WHERE (deleted_at IS NULL);
