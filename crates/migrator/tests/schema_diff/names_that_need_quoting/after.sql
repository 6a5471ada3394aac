-- Names and values that PostgreSQL's text output has to quote or escape: the catalog is read in
-- the text format, so arrays of them (enum labels, key columns, options) must decode exactly.
CREATE TYPE "we,ird" AS ENUM ('NULL', 'a,b', 'q"t', 'b\s', 'null', ' sp', '{x}', '', 'NEW,"one"');
CREATE TABLE "t""1" (
    "NULL" int PRIMARY KEY,
    "a,b" text,
    "{c}" "we,ird" DEFAULT 'NULL',
    "b\s" text,
    "NULL," int UNIQUE
);
CREATE TABLE t2 (
    id int,
    "x y" int,
    "z,\" int,
    CONSTRAINT "fk,1" FOREIGN KEY ("x y") REFERENCES "t""1" ("NULL"),
    CONSTRAINT "fk,2" FOREIGN KEY ("z,\") REFERENCES "t""1" ("NULL,"),
    CONSTRAINT "u""q" UNIQUE (id, "x y")
) WITH (fillfactor = 70, autovacuum_enabled = false);
CREATE INDEX "i,x" ON t2 ("x y", id);
CREATE INDEX "i,z" ON t2 ("z,\") WHERE "z,\" > 0;
COMMENT ON COLUMN t2."x y" IS 'a "comment", with {braces} and a \ backslash';
