CREATE INDEX u_org_idx ON public.u USING btree (org);
