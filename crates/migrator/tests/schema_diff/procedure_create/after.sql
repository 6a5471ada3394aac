CREATE TABLE logs (
    msg text
);
CREATE PROCEDURE log_it(m text) LANGUAGE sql AS $$ INSERT INTO logs VALUES (m) $$;
