CREATE TYPE pair AS (a int, b text COLLATE "C", c numeric(10,2));
CREATE FUNCTION make_pair(x int) RETURNS pair LANGUAGE sql AS $$ SELECT ROW(x, '', 0)::pair $$;
