DROP INDEX public.u_tags_idx;
