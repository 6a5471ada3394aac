CREATE TABLE parent (
    id integer PRIMARY KEY
);
CREATE TABLE kid ( -- admin:renamed-from child
    id integer PRIMARY KEY,
    parent_id integer
);
ALTER TABLE kid ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id);
CREATE INDEX child_parent_idx ON kid (parent_id);
