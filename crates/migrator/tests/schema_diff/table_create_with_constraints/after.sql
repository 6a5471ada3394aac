CREATE TABLE items (
    id bigint PRIMARY KEY,
    sku text NOT NULL UNIQUE,
    qty integer NOT NULL DEFAULT 0 CHECK (qty >= 0),
    note text
);
