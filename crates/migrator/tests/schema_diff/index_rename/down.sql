ALTER INDEX public.u_email_idx RENAME TO u_email_i;
