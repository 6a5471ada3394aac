CREATE FUNCTION float8_diff(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$ SELECT a - b $$;
CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8_diff);
CREATE TABLE t (r floatrange);
