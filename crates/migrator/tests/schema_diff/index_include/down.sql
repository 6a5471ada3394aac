DROP INDEX public.u_org_inc_idx;
