CREATE TYPE mood AS ENUM ('happy');
CREATE TABLE p (
    m mood
);
