DROP TABLE public.m_other;
DROP TABLE public.m_2025;
DROP TABLE public.m_2024;
DROP TABLE public.m;
