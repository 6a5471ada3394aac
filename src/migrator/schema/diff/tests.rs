//! Pure diff tests on hand-built models (no database).

use super::*;
use crate::migrator::schema::model::*;

fn col(name: &str, ty: &str, not_null: bool) -> Column {
    Column {
        name: name.into(),
        type_sql: ty.into(),
        not_null,
        default: None,
        identity: None,
        identity_options: None,
        generated: None,
        collation: None,
        comment: None,
    }
}

fn table(cols: Vec<Column>) -> Table {
    Table {
        columns: cols,
        ..Table::default()
    }
}

fn schema(tables: Vec<(&str, Table)>) -> Schema {
    let mut s = Schema::default();
    s.schemas.insert("public".into());
    for (n, t) in tables {
        s.tables.insert(QName::new("public", n), t);
    }
    s
}

fn run(cur: &Schema, des: &Schema, renames: &Renames) -> (String, String) {
    match diff(cur, des, renames) {
        Ok(p) => (p.up_sql(), p.down_sql()),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn same_schema_is_an_empty_plan() {
    let s = schema(vec![("a", table(vec![col("id", "integer", true)]))]);
    let plan = diff(&s, &s.clone(), &Renames::default()).map_err(|e| e.to_string());
    assert_eq!(plan.map(|p| p.is_empty()), Ok(true));
}

#[test]
fn new_table_with_fk_is_created_before_its_foreign_key_and_dropped_after() {
    let cur = schema(vec![]);
    let mut b = table(vec![
        col("id", "integer", true),
        col("a_id", "integer", false),
    ]);
    b.constraints.insert(
        "b_a_fk".into(),
        Constraint {
            kind: 'f',
            definition: "FOREIGN KEY (a_id) REFERENCES public.a(id)".into(),
            references: Some(QName::new("public", "a")),
            columns: vec!["a_id".into()],
            comment: None,
        },
    );
    let mut a = table(vec![col("id", "integer", true)]);
    a.constraints.insert(
        "a_pkey".into(),
        Constraint {
            kind: 'p',
            definition: "PRIMARY KEY (id)".into(),
            references: None,
            columns: vec!["id".into()],
            comment: None,
        },
    );
    let des = schema(vec![("a", a), ("b", b)]);
    let (up, down) = run(&cur, &des, &Renames::default());
    assert_eq!(
        up,
        "CREATE TABLE public.a (\n    id integer NOT NULL\n);\n\
         CREATE TABLE public.b (\n    id integer NOT NULL,\n    a_id integer\n);\n\
         ALTER TABLE public.a ADD CONSTRAINT a_pkey PRIMARY KEY (id);\n\
         ALTER TABLE public.b ADD CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES public.a(id);\n"
    );
    assert_eq!(
        down,
        "ALTER TABLE public.b DROP CONSTRAINT b_a_fk;\nDROP TABLE public.b;\nDROP TABLE public.a;\n"
    );
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
    r.tables.insert(
        QName::new("public", "people"),
        QName::new("public", "users"),
    );
    r.columns.insert(
        (QName::new("public", "people"), "full_name".into()),
        "name".into(),
    );
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
    let mut cur = schema(vec![("t", table(vec![col("n", "integer", false)]))]);
    let mut des = schema(vec![("t", table(vec![col("n", "bigint", false)]))]);
    let mut deps = std::collections::BTreeMap::new();
    deps.insert(
        QName::new("public", "t"),
        ["n".to_string()].into_iter().collect(),
    );
    let v = View {
        materialized: false,
        definition: " SELECT n FROM public.t".into(),
        options: None,
        depends_on: deps,
        comment: None,
        indexes: Default::default(),
    };
    cur.views.insert(QName::new("public", "v"), v.clone());
    des.views.insert(QName::new("public", "v"), v);
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
fn enum_label_removal_on_a_used_enum_is_refused_naming_it() {
    let mut cur = schema(vec![("t", table(vec![col("m", "public.mood", false)]))]);
    let mut des = cur.clone();
    cur.enums
        .insert(QName::new("public", "mood"), vec!["a".into(), "b".into()]);
    des.enums
        .insert(QName::new("public", "mood"), vec!["a".into()]);
    let e = diff(&cur, &des, &Renames::default())
        .err()
        .map(|e| e.to_string());
    assert!(
        e.as_deref().is_some_and(
            |e| e.contains("enum type public.mood") && e.starts_with("cannot generate")
        ),
        "{e:?}"
    );
}
