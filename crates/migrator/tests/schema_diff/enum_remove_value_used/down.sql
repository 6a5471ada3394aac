ALTER TYPE public.mood ADD VALUE 'sad' AFTER 'happy';
