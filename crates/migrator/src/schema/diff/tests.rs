//! Pure diff tests on hand-built models (no database): ordering by dependencies, parts inside
//! CREATE TABLE, renames, recreation around a retype, refusals.

use super::*;
use crate::schema::model::*;

fn col(name: &str, ty: &str, not_null: bool) -> Column {
    let mut c = Column::new(name, ty);
    c.not_null = not_null;
    c
}

fn table(cols: Vec<Column>) -> Table {
    Table {
        columns: cols,
        ..Table::default()
    }
}

fn q(n: &str) -> QName {
    QName::new("public", n)
}

fn schema(tables: Vec<(&str, Table)>) -> Schema {
    let mut s = Schema::default();
    s.schemas.insert("public".into());
    for (n, t) in tables {
        s.tables.insert(q(n), t);
    }
    s.add_implicit_deps();
    s
}

fn dep(s: &mut Schema, from: Obj, to: Obj) {
    s.deps.entry(from).or_default().insert(to);
}

fn run(cur: &Schema, des: &Schema, renames: &Renames) -> (String, String) {
    match diff(cur, des, renames) {
        Ok(p) => (p.up_sql(), p.down_sql()),
        Err(e) => panic!("{e}"),
    }
}

fn constraint(kind: char, def: &str, refs: Option<&str>, cols: &[&str]) -> Constraint {
    Constraint {
        kind,
        definition: def.into(),
        references: refs.map(q),
        columns: cols.iter().map(|c| c.to_string()).collect(),
        ref_columns: if refs.is_some() {
            vec!["id".into()]
        } else {
            vec![]
        },
    }
}

#[test]
fn same_schema_is_an_empty_plan() {
    let s = schema(vec![("a", table(vec![col("id", "integer", true)]))]);
    let plan = diff(&s, &s.clone(), &Renames::default()).map_err(|e| e.to_string());
    assert_eq!(plan.map(|p| p.is_empty()), Ok(true));
}

#[test]
fn keys_go_inside_create_table_and_a_key_into_a_new_table_after_it() {
    let cur = schema(vec![]);
    let mut b = table(vec![
        col("id", "integer", true),
        col("a_id", "integer", false),
    ]);
    let fk = "FOREIGN KEY (a_id) REFERENCES public.a(id)";
    b.constraints
        .insert("b_a_fk".into(), constraint('f', fk, Some("a"), &["a_id"]));
    let mut a = table(vec![col("id", "integer", true)]);
    a.constraints.insert(
        "a_pkey".into(),
        constraint('p', "PRIMARY KEY (id)", None, &["id"]),
    );
    let mut des = schema(vec![("a", a), ("b", b)]);
    dep(
        &mut des,
        Obj::Constraint(q("b"), "b_a_fk".into()),
        Obj::Constraint(q("a"), "a_pkey".into()),
    );
    let (up, down) = run(&cur, &des, &Renames::default());
    assert_eq!(
        up,
        "CREATE TABLE public.a (\n    id integer NOT NULL,\n    CONSTRAINT a_pkey PRIMARY KEY (id)\n);\n\
         CREATE TABLE public.b (\n    id integer NOT NULL,\n    a_id integer\n);\n\
         ALTER TABLE public.b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES public.a(id);\n"
    );
    assert_eq!(down, "DROP TABLE public.b;\nDROP TABLE public.a;\n");
}

#[test]
fn a_function_returning_a_table_row_comes_after_the_table_and_is_dropped_before_it() {
    let cur = schema(vec![]);
    let mut des = schema(vec![("jobs", table(vec![col("id", "integer", true)]))]);
    let f = Function {
        definition: "CREATE OR REPLACE FUNCTION public.f()\n RETURNS public.jobs\n LANGUAGE sql\nAS $function$ SELECT * FROM public.jobs $function$".into(),
        kind: "FUNCTION".into(),
        signature: "public.f()".into(),
        result: "public.jobs".into(),
        arguments: String::new(),
    };
    des.functions.insert("public.f()".into(), f);
    dep(
        &mut des,
        Obj::Function("public.f()".into()),
        Obj::Table(q("jobs")),
    );
    let (up, down) = run(&cur, &des, &Renames::default());
    let (t, f) = (
        up.find("CREATE TABLE public.jobs"),
        up.find("FUNCTION public.f()"),
    );
    assert!(t.is_some() && f.is_some() && t < f, "{up}");
    let (f, t) = (
        down.find("DROP FUNCTION public.f()"),
        down.find("DROP TABLE public.jobs"),
    );
    assert!(t.is_some() && f.is_some() && f < t, "{down}");
}

#[test]
fn column_changes_alter_in_place_and_invert_in_reverse() {
    let mut c = col("n", "integer", false);
    c.default = Some("0".into());
    let cur = schema(vec![("t", table(vec![c]))]);
    let mut n = col("n", "bigint", true);
    n.default = Some("1".into());
    let des = schema(vec![("t", table(vec![n]))]);
    let plan = diff(&cur, &des, &Renames::default()).map_err(|e| e.to_string());
    let Ok(plan) = plan else { panic!("{plan:?}") };
    assert_eq!(
        plan.up_sql(),
        "ALTER TABLE public.t ALTER COLUMN n DROP DEFAULT;\n\
         ALTER TABLE public.t ALTER COLUMN n TYPE bigint USING n::bigint;\n\
         ALTER TABLE public.t ALTER COLUMN n SET DEFAULT 1;\n\
         ALTER TABLE public.t ALTER COLUMN n SET NOT NULL;\n"
    );
    assert_eq!(
        plan.down_sql(),
        "ALTER TABLE public.t ALTER COLUMN n DROP NOT NULL;\n\
         ALTER TABLE public.t ALTER COLUMN n DROP DEFAULT;\n\
         ALTER TABLE public.t ALTER COLUMN n TYPE integer USING n::integer;\n\
         ALTER TABLE public.t ALTER COLUMN n SET DEFAULT 0;\n"
    );
    let cats: Vec<&str> = plan.hazards().iter().map(|h| h.category()).collect();
    assert_eq!(cats, vec!["locking", "data-dependent"]);
}

#[test]
fn rename_directive_turns_drop_and_add_into_rename() {
    let cur = schema(vec![("users", table(vec![col("name", "text", false)]))]);
    let des = schema(vec![(
        "people",
        table(vec![col("full_name", "text", false)]),
    )]);
    let mut r = Renames::default();
    r.tables.insert(q("people"), q("users"));
    r.columns
        .insert((q("people"), "full_name".into()), "name".into());
    let (up, down) = run(&cur, &des, &r);
    assert_eq!(
        up,
        "ALTER TABLE public.users RENAME TO people;\n\
         ALTER TABLE public.people RENAME COLUMN name TO full_name;\n"
    );
    assert_eq!(
        down,
        "ALTER TABLE public.people RENAME COLUMN full_name TO name;\n\
         ALTER TABLE public.people RENAME TO users;\n"
    );
    // Without the directive it is a destructive drop + create.
    let (up, _) = run(&cur, &des, &Renames::default());
    assert!(up.contains("DROP TABLE public.users;") && up.contains("CREATE TABLE public.people"));
}

#[test]
fn view_over_a_retyped_column_is_recreated_around_the_change() {
    let v = View {
        materialized: false,
        definition: " SELECT n FROM public.t".into(),
        options: None,
        indexes: Default::default(),
    };
    let mut cur = schema(vec![("t", table(vec![col("n", "integer", false)]))]);
    let mut des = schema(vec![("t", table(vec![col("n", "bigint", false)]))]);
    for s in [&mut cur, &mut des] {
        s.views.insert(q("v"), v.clone());
        dep(s, Obj::View(q("v")), Obj::Column(q("t"), "n".into()));
    }
    let (up, down) = run(&cur, &des, &Renames::default());
    assert_eq!(
        up,
        "DROP VIEW public.v;\n\
         ALTER TABLE public.t ALTER COLUMN n TYPE bigint USING n::bigint;\n\
         CREATE VIEW public.v AS\n SELECT n FROM public.t;\n"
    );
    assert_eq!(
        down,
        "DROP VIEW public.v;\n\
         ALTER TABLE public.t ALTER COLUMN n TYPE integer USING n::integer;\n\
         CREATE VIEW public.v AS\n SELECT n FROM public.t;\n"
    );
}

#[test]
fn a_dependency_cycle_is_refused_naming_both_ends() {
    let cur = schema(vec![]);
    let mut des = schema(vec![]);
    let view = |d: &str| View {
        materialized: false,
        definition: d.into(),
        options: None,
        indexes: Default::default(),
    };
    des.views.insert(q("a"), view(" SELECT 1"));
    des.views.insert(q("b"), view(" SELECT 2"));
    dep(&mut des, Obj::View(q("a")), Obj::View(q("b")));
    dep(&mut des, Obj::View(q("b")), Obj::View(q("a")));
    let e = diff(&cur, &des, &Renames::default())
        .err()
        .map(|e| e.to_string());
    assert!(
        e.as_deref()
            .is_some_and(|e| e.contains("view public.a") && e.contains("view public.b")),
        "{e:?}"
    );
}

#[test]
fn a_column_that_depends_on_a_recreated_type_is_refused_naming_both() {
    let mut cur = schema(vec![("t", table(vec![col("r", "public.span", false)]))]);
    let mut des = cur.clone();
    let range = |sub: &str| {
        TypeDef::Range(RangeType {
            subtype: sub.into(),
            opclass: None,
            collation: None,
            canonical: None,
            subtype_diff: None,
            multirange: None,
        })
    };
    cur.types.insert(q("span"), range("integer"));
    des.types.insert(q("span"), range("bigint"));
    for s in [&mut cur, &mut des] {
        dep(s, Obj::Column(q("t"), "r".into()), Obj::Type(q("span")));
    }
    let e = diff(&cur, &des, &Renames::default())
        .err()
        .map(|e| e.to_string());
    assert!(
        e.as_deref()
            .is_some_and(|e| e.starts_with("cannot generate")
                && e.contains("column public.t.r")
                && e.contains("type public.span")),
        "{e:?}"
    );
}
