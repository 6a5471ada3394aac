CREATE TYPE pair AS (a int, b text, c int);
CREATE FUNCTION make_pair(x int) RETURNS pair LANGUAGE sql AS $$ SELECT ROW(x, '', 0)::pair $$;
