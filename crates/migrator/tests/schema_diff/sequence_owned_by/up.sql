ALTER SEQUENCE public.s OWNED BY public.t.n;
