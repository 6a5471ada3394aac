CREATE TABLE a (
    id integer PRIMARY KEY,
    code text CONSTRAINT a_code_key UNIQUE
);
CREATE TABLE b (
    code text REFERENCES a (code)
);
