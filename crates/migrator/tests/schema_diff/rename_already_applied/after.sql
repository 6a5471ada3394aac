CREATE TABLE accounts ( -- admin:renamed-from users
    id integer
);
