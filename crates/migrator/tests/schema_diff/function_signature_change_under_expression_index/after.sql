CREATE FUNCTION norm(t text) RETURNS varchar LANGUAGE sql IMMUTABLE AS $$ SELECT lower(t) $$;
CREATE TABLE u (email text);
CREATE INDEX u_norm ON u (norm(email));
CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
CREATE INDEX u_twice ON u (twice(length(email)));
