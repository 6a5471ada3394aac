CREATE TABLE "Order" (
    "Id" integer PRIMARY KEY,
    "user" text,
    "select" integer
);
