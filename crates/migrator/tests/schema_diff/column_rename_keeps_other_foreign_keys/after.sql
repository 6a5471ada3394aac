CREATE TABLE a (id int PRIMARY KEY, y text, -- admin:renamed-from x
  code text UNIQUE);
CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id) ON DELETE CASCADE);
CREATE TABLE c (id int PRIMARY KEY, a_code text REFERENCES a (code));
