CREATE TABLE users (
    id integer PRIMARY KEY,
    email text NOT NULL
);
CREATE TABLE posts (
    id integer PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id),
    title text,
    draft boolean
);
CREATE VIEW published AS SELECT id, title FROM posts WHERE NOT draft;
