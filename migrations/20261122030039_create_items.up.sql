-- up: create items
-- Version 20261122030039, created 2026-11-22T03:00:39Z by `migrator makemigrations`.
-- Write the forward SQL below. It runs in one transaction together with its bookkeeping row.
-- For statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY), make
-- `-- no-transaction` the very first line and keep one statement in the file.
CREATE TABLE items (id int primary key, name text);
