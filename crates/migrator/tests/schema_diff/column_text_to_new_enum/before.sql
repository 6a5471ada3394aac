CREATE TABLE p (
    m text
);
