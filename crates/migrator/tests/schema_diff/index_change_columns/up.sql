-- WARNING: locking: CREATE INDEX u_idx on existing table public.u blocks writes while it builds (CONCURRENTLY avoids that, in a `-- no-transaction` migration)
DROP INDEX public.u_idx;
CREATE INDEX u_idx ON public.u USING btree (org, email DESC);
