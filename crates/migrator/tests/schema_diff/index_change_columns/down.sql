DROP INDEX public.u_idx;
CREATE INDEX u_idx ON public.u USING btree (org);
