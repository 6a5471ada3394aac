CREATE TABLE logs (
    msg text
);
