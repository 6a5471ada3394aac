CREATE TYPE status AS ENUM ($$todo$$, $$doing$$, $$done$$);
CREATE TABLE jobs (id int PRIMARY KEY, status status NOT NULL DEFAULT $$todo$$, tags status[]);
CREATE INDEX jobs_todo ON jobs (id) WHERE status = $$todo$$;
ALTER TABLE jobs ADD CONSTRAINT jobs_not_doing CHECK (status <> $$doing$$ OR id > 0);
CREATE VIEW open_jobs AS SELECT id FROM jobs WHERE status <> $$done$$;
CREATE FUNCTION is_open(s status) RETURNS bool LANGUAGE sql IMMUTABLE AS $$ SELECT s <> $x$done$x$ $$;
CREATE VIEW open_jobs2 AS SELECT id FROM jobs WHERE is_open(status);
CREATE FUNCTION notify_job() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER jobs_notify AFTER INSERT ON jobs FOR EACH ROW WHEN (NEW.status = $$todo$$::status) EXECUTE FUNCTION notify_job();
