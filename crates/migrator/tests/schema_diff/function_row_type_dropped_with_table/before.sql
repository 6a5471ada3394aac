CREATE TABLE jobs (id bigserial PRIMARY KEY, queue text NOT NULL);
CREATE FUNCTION fetch_job(q text) RETURNS jobs LANGUAGE sql AS $$ SELECT * FROM jobs WHERE queue = q LIMIT 1 $$;
CREATE VIEW next_jobs AS SELECT (fetch_job(q)).id FROM (VALUES ($$a$$)) v(q);
