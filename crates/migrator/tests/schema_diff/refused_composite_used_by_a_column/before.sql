CREATE TYPE pair AS (a int, b text);
CREATE TABLE t (p pair);
