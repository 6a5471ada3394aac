DROP TRIGGER doc_touch ON public.doc;
