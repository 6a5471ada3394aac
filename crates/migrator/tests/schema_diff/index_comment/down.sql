COMMENT ON INDEX public.u_org_idx IS NULL;
