CREATE TABLE jobs (id bigserial PRIMARY KEY, queue text NOT NULL);
CREATE FUNCTION fetch_job(q text) RETURNS jobs LANGUAGE sql AS $$ SELECT * FROM jobs WHERE queue = q LIMIT 1 $$;
