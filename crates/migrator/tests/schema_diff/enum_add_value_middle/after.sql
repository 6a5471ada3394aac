CREATE TYPE mood AS ENUM ('happy', 'meh', 'sad');
CREATE TABLE p (
    m mood NOT NULL,
    ms mood[]
);
