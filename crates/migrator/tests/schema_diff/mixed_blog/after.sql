CREATE TYPE post_state AS ENUM ('draft', 'published');
CREATE TABLE users (
    id integer PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text
);
CREATE TABLE posts (
    id integer PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title varchar(300) NOT NULL,
    state post_state NOT NULL DEFAULT 'draft'
);
CREATE INDEX posts_user_idx ON posts (user_id);
CREATE VIEW published AS SELECT id, title FROM posts WHERE state = 'published';
COMMENT ON COLUMN posts.state IS 'workflow';
