-- WARNING: locking: CREATE INDEX u_org_inc_idx on existing table public.u blocks writes while it builds (CONCURRENTLY avoids that, in a `-- no-transaction` migration)
CREATE INDEX u_org_inc_idx ON public.u USING btree (org) INCLUDE (email);
