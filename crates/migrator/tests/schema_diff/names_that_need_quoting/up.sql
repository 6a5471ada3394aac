-- WARNING: data-dependent: new UNIQUE t"1_NULL,_key on public.t"1: fails if existing rows are duplicates; builds an index under an ACCESS EXCLUSIVE lock
-- WARNING: locking: CREATE INDEX i,z on existing table public.t2 blocks writes while it builds (CONCURRENTLY avoids that, in a `-- no-transaction` migration)
-- WARNING: data-dependent: constraint fk,2 on public.t2 validates every existing row (add it NOT VALID, then VALIDATE, to avoid the long lock)
ALTER TYPE public."we,ird" ADD VALUE 'NEW,"one"' AFTER '';
ALTER TABLE public.t2 RESET (fillfactor);
ALTER TABLE public.t2 SET (fillfactor=70, autovacuum_enabled=false);
ALTER TABLE public."t""1" ADD COLUMN "NULL," integer;
ALTER TABLE public.t2 ADD COLUMN "z,\" integer;
ALTER TABLE public."t""1" ADD CONSTRAINT "t""1_NULL,_key" UNIQUE ("NULL,");
CREATE INDEX "i,z" ON public.t2 USING btree ("z,\") WHERE ("z,\" > 0);
ALTER TABLE public.t2 ADD CONSTRAINT "fk,2" FOREIGN KEY ("z,\") REFERENCES public."t""1"("NULL,");
COMMENT ON COLUMN public.t2."x y" IS 'a "comment", with {braces} and a \ backslash';
