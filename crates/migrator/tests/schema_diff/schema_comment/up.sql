COMMENT ON SCHEMA reporting IS 'read models';
