ALTER TABLE public.t ALTER COLUMN code TYPE character varying(50) USING code::character varying(50);
