-- WARNING: locking: CREATE INDEX u_email_key on existing table public.u blocks writes while it builds (CONCURRENTLY avoids that, in a `-- no-transaction` migration)
-- WARNING: data-dependent: unique index u_email_key fails if existing rows are duplicates
CREATE UNIQUE INDEX u_email_key ON public.u USING btree (email);
