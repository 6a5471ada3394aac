DROP INDEX public.u_live_idx;
