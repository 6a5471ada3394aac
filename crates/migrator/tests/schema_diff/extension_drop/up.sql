-- WARNING: destructive: drops extension citext
DROP EXTENSION citext;
