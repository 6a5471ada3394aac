DROP TRIGGER doc_touch ON public.doc;
CREATE TRIGGER doc_touch BEFORE UPDATE ON public.doc FOR EACH ROW EXECUTE FUNCTION public.touch();
