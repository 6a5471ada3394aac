-- WARNING: data-dependent: domain public.posint becomes NOT NULL: fails if a column of it holds NULL
-- WARNING: data-dependent: constraint posint_even of domain public.posint checks every value already stored
ALTER DOMAIN public.posint DROP CONSTRAINT posint_small;
ALTER DOMAIN public.posint SET DEFAULT 1;
ALTER DOMAIN public.posint SET NOT NULL;
ALTER DOMAIN public.posint ADD CONSTRAINT posint_even CHECK (((VALUE % 2) = 0));
