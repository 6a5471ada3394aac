CREATE TABLE f (
    id integer
) WITH (fillfactor = 70);
