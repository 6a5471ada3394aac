COMMENT ON VIEW public.v IS 'ids';
