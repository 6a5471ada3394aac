-- WARNING: destructive: drops table public.mod_sticky_post and its data
ALTER SEQUENCE public.mod_sticky_post_id_seq OWNED BY NONE;
DROP TABLE public.mod_sticky_post;
CREATE TABLE public.mod_feature_post (
    id integer DEFAULT nextval('public.mod_sticky_post_id_seq'::regclass) NOT NULL,
    post_id integer NOT NULL,
    CONSTRAINT mod_feature_post_pkey PRIMARY KEY (id)
);
ALTER SEQUENCE public.mod_sticky_post_id_seq OWNED BY public.mod_feature_post.id;
