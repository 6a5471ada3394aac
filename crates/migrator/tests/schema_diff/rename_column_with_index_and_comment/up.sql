-- WARNING: locking: CREATE INDEX t_name_idx on existing table public.t blocks writes while it builds (CONCURRENTLY avoids that, in a `-- no-transaction` migration)
DROP INDEX public.t_name_idx;
ALTER TABLE public.t RENAME COLUMN name TO label;
CREATE INDEX t_name_idx ON public.t USING btree (label);
