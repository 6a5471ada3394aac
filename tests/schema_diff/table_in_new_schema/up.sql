CREATE SCHEMA billing;
CREATE TABLE billing.invoices (
    id integer NOT NULL,
    total numeric(12,2) NOT NULL
);
ALTER TABLE billing.invoices ADD CONSTRAINT invoices_pkey PRIMARY KEY (id);
