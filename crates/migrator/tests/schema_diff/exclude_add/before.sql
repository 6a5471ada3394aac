CREATE TABLE booking (
    id integer PRIMARY KEY,
    during tsrange NOT NULL
);
