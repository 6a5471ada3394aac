-- down: create items
-- Version 20261122030039, created 2026-11-22T03:00:39Z by `migrator makemigrations`.
-- Write the SQL that undoes the up migration below (`migrator downgrade` runs it).
DROP TABLE items;
