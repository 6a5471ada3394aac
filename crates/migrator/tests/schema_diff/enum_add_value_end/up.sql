ALTER TYPE public.mood ADD VALUE 'angry' AFTER 'sad';
