COMMENT ON FUNCTION public.add1(x integer) IS 'adds one';
