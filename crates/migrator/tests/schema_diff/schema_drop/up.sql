-- WARNING: destructive: drops schema reporting
DROP SCHEMA reporting;
