CREATE TYPE mood AS ENUM ('happy', 'sad', 'angry');
CREATE TABLE p (
    m mood DEFAULT 'happy'
);
