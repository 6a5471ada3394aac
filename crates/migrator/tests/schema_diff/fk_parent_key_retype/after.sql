CREATE TABLE p (
    id bigint PRIMARY KEY
);
CREATE TABLE c (
    p_id bigint REFERENCES p (id)
);
