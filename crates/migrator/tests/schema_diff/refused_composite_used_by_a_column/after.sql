CREATE TYPE pair AS (a int, b text, c int);
CREATE TABLE t (p pair);
