CREATE DOMAIN posint AS int CONSTRAINT posint_positive CHECK (VALUE > 0) CONSTRAINT posint_small CHECK (VALUE < 1000);
CREATE TABLE t (n posint);
