SET LOCAL check_function_bodies = false;

DROP VIEW public.v;
DROP AGGREGATE public.total2(integer);
DROP AGGREGATE public.total(integer);
CREATE AGGREGATE public.total(integer) (
    SFUNC = public.add2,
    STYPE = integer,
    INITCOND = '0'
);
CREATE VIEW public.v AS
 SELECT public.total(s.x) AS total
   FROM ( VALUES (1), (2)) s(x);
