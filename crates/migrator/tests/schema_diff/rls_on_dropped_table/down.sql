CREATE TABLE public.notes (
    id integer NOT NULL,
    owner text NOT NULL,
    CONSTRAINT notes_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE public.notes IS 'n';
CREATE POLICY p ON public.notes AS PERMISSIVE FOR SELECT TO public USING (true);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
