CREATE TABLE things ( -- admin:renamed-from t
    id integer PRIMARY KEY,
    title text -- admin:renamed-from name
);
