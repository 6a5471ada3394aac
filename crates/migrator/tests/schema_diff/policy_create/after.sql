CREATE TABLE notes (
    id integer PRIMARY KEY,
    owner text NOT NULL
);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_notes ON notes FOR ALL USING (owner = current_user) WITH CHECK (owner = current_user);
