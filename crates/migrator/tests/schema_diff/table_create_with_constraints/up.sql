CREATE TABLE public.items (
    id bigint NOT NULL,
    sku text NOT NULL,
    qty integer DEFAULT 0 NOT NULL,
    note text,
    CONSTRAINT items_pkey PRIMARY KEY (id),
    CONSTRAINT items_qty_check CHECK ((qty >= 0)),
    CONSTRAINT items_sku_key UNIQUE (sku)
);
