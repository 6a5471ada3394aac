ALTER INDEX public.u_email_i RENAME TO u_email_idx;
