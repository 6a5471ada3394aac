CREATE TYPE pair AS (a bigint, c int, d text);
CREATE FUNCTION make_pair(x int) RETURNS pair LANGUAGE sql AS $$ SELECT ROW(x, 0, '')::pair $$;
