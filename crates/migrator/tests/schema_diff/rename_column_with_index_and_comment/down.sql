DROP INDEX public.t_name_idx;
ALTER TABLE public.t RENAME COLUMN label TO name;
CREATE INDEX t_name_idx ON public.t USING btree (name);
