CREATE TABLE notes (
    id integer PRIMARY KEY,
    owner text NOT NULL
);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
