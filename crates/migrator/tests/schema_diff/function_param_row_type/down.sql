SET LOCAL check_function_bodies = false;

DROP FUNCTION public.creator_of(a public.agg);
DROP FUNCTION public.all_items(items public.agg[]);
DROP TABLE public.agg;
