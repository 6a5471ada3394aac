CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE p (
    id integer,
    m mood
);
