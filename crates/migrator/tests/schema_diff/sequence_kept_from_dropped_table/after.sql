CREATE SEQUENCE mod_sticky_post_id_seq AS integer;
CREATE TABLE mod_feature_post (id integer DEFAULT nextval($$mod_sticky_post_id_seq$$) NOT NULL PRIMARY KEY, post_id int NOT NULL);
ALTER SEQUENCE mod_sticky_post_id_seq OWNED BY mod_feature_post.id;
