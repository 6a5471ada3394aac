-- WARNING: data-dependent: ATTACH PARTITION public.loose scans it to check the bound (fails if rows fall outside it)
ALTER TABLE public.m DETACH PARTITION public.m_2023;
CREATE TABLE public.m_2026 PARTITION OF public.m FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE public.m ATTACH PARTITION public.loose FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
