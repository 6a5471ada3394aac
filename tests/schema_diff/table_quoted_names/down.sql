DROP TABLE public."Order";
