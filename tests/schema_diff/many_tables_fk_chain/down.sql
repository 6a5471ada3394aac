ALTER TABLE public.d DROP CONSTRAINT d_c_id_fkey;
ALTER TABLE public.d DROP CONSTRAINT d_a_id_fkey;
ALTER TABLE public.c DROP CONSTRAINT c_b_id_fkey;
ALTER TABLE public.b DROP CONSTRAINT b_a_id_fkey;
DROP TABLE public.d;
DROP TABLE public.c;
DROP TABLE public.b;
DROP TABLE public.a;
