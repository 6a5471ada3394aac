ALTER TYPE public.mood ADD VALUE 'ecstatic' BEFORE 'happy';
