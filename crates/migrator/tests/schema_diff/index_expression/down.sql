DROP INDEX public.u_lower_email_idx;
