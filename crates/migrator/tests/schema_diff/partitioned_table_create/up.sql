CREATE TABLE public.m (
    at date NOT NULL
) PARTITION BY RANGE (at);
