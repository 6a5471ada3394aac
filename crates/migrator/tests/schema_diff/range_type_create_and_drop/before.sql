CREATE TYPE oldspan AS RANGE (subtype = int4);
