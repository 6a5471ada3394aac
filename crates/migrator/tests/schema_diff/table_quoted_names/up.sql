CREATE TABLE public."Order" (
    "Id" integer NOT NULL,
    "user" text,
    "select" integer,
    CONSTRAINT "Order_pkey" PRIMARY KEY ("Id")
);
