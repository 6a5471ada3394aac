CREATE TABLE public.m (
    id bigint NOT NULL,
    at date NOT NULL,
    v text DEFAULT 'x'::text,
    CONSTRAINT m_pkey PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE public.m_2024 PARTITION OF public.m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.m_2025 PARTITION OF public.m (
    v WITH OPTIONS DEFAULT 'z'::text,
    CONSTRAINT m_2025_v CHECK ((v <> 'y'::text))
) FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE public.m_other PARTITION OF public.m DEFAULT;
CREATE INDEX m_2024_local ON public.m_2024 USING btree (id) WHERE (v IS NULL);
CREATE INDEX m_v ON public.m USING btree (v);
