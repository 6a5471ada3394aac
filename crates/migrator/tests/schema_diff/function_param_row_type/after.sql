CREATE TABLE agg (id int PRIMARY KEY, creator_id int);
CREATE FUNCTION creator_of(a agg) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a.creator_id $$;
CREATE FUNCTION all_items(items agg[]) RETURNS SETOF agg LANGUAGE sql AS $$ SELECT * FROM unnest(items) $$;
