-- WARNING: destructive: drops table old.t and its data
-- WARNING: destructive: drops enum type old.k
-- WARNING: destructive: drops schema old
DROP VIEW old.v;
DROP TABLE old.t;
DROP TYPE old.k;
DROP SCHEMA old;
