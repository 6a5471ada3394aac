CREATE TABLE api.u (
    id integer
);
GRANT SELECT ON TABLE api.u TO app_reader;
REVOKE EXECUTE ON FUNCTION api.f() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.f() TO app_reader;
GRANT USAGE ON SCHEMA api TO app_reader;
GRANT USAGE ON SEQUENCE api.s TO app_reader;
REVOKE SELECT ON TABLE api.t FROM app_reader;
GRANT INSERT ON TABLE api.t TO app_reader WITH GRANT OPTION;
GRANT SELECT(id) ON TABLE api.t TO app_reader;
GRANT UPDATE(id) ON TABLE api.t TO app_reader;
