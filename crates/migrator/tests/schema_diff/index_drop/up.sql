DROP INDEX public.u_org_idx;
