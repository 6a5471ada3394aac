DROP TRIGGER doc_n ON public.doc;
ALTER TABLE public.doc ALTER COLUMN n TYPE integer USING n::integer;
CREATE TRIGGER doc_n BEFORE UPDATE ON public.doc FOR EACH ROW WHEN ((new.n > 0)) EXECUTE FUNCTION public.f();
