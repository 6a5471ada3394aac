CREATE TABLE t (
    id integer PRIMARY KEY,
    name text,
    price numeric NOT NULL,
    price_cents bigint GENERATED ALWAYS AS ((price * 100)::bigint) STORED
);
