-- WARNING: locking: changing the type of public.doc.n may rewrite the table under an ACCESS EXCLUSIVE lock
DROP TRIGGER doc_n ON public.doc;
ALTER TABLE public.doc ALTER COLUMN n TYPE bigint USING n::bigint;
CREATE TRIGGER doc_n BEFORE UPDATE ON public.doc FOR EACH ROW WHEN ((new.n > 0)) EXECUTE FUNCTION public.f();
