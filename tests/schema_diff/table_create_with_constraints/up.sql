CREATE TABLE public.items (
    id bigint NOT NULL,
    sku text NOT NULL,
    qty integer DEFAULT 0 NOT NULL,
    note text
);
ALTER TABLE public.items ADD CONSTRAINT items_pkey PRIMARY KEY (id);
ALTER TABLE public.items ADD CONSTRAINT items_qty_check CHECK ((qty >= 0));
ALTER TABLE public.items ADD CONSTRAINT items_sku_key UNIQUE (sku);
