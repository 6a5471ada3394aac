CREATE TABLE mod_sticky_post (id serial PRIMARY KEY, post_id int NOT NULL);
