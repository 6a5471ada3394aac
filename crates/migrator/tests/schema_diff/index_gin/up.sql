-- WARNING: locking: CREATE INDEX u_tags_idx on existing table public.u blocks writes while it builds (CONCURRENTLY avoids that, in a `-- no-transaction` migration)
CREATE INDEX u_tags_idx ON public.u USING gin (tags);
