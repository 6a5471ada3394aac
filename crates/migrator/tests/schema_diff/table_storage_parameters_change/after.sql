CREATE TABLE t (id int) WITH (fillfactor = 80, toast.autovacuum_enabled = false);
