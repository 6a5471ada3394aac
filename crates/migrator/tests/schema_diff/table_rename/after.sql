CREATE TABLE accounts ( -- admin:renamed-from users
    id integer PRIMARY KEY,
    email text NOT NULL
);
