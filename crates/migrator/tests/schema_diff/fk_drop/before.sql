CREATE TABLE parent (
    id integer PRIMARY KEY
);
CREATE TABLE child (
    id integer PRIMARY KEY,
    parent_id integer
);
ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id);
