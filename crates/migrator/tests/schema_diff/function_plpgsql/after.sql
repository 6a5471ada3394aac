CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.updated_at := now(); -- keep it fresh
  RETURN NEW;
END
$fn$;
