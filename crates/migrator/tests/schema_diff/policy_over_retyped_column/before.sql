CREATE TABLE notes (
    id integer PRIMARY KEY,
    owner_id integer NOT NULL
);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON notes USING (owner_id > 0);
