DROP VIEW public.open_orders;
