CREATE TABLE public."Order" (
    "Id" integer NOT NULL,
    "user" text,
    "select" integer
);
ALTER TABLE public."Order" ADD CONSTRAINT "Order_pkey" PRIMARY KEY ("Id");
