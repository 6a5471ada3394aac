CREATE TYPE old_pair AS (a int, b text);
