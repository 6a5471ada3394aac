CREATE COLLATION ci (provider = icu, locale = $$und-u-ks-level2$$, deterministic = false);
CREATE TABLE users (email text COLLATE ci UNIQUE);
