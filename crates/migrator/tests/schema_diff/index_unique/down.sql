DROP INDEX public.u_email_key;
