CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE p (
    m mood
);
