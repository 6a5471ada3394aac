ALTER TYPE public.status ADD VALUE 'cancelled' AFTER 'done';
