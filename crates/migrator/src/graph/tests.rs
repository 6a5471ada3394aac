//! The model and both renderings of a small schema with a composite foreign key, a
//! self-reference, a one-to-one, a nullable foreign key, another schema and names that need
//! quoting.

use protocol::er::Cardinality;

use super::{mermaid, model, svg};
use crate::schema::model::{Column, Constraint, Index, QName, Schema, Table};

fn col(name: &str, type_sql: &str, not_null: bool) -> Column {
    let mut c = Column::new(name, type_sql);
    c.not_null = not_null;
    c
}

fn key(kind: char, columns: &[&str], references: Option<(&str, &str, &[&str])>) -> Constraint {
    Constraint {
        kind,
        definition: String::new(),
        references: references.map(|(s, n, _)| QName::new(s, n)),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        ref_columns: references
            .map(|(_, _, cols)| cols.iter().map(|c| c.to_string()).collect())
            .unwrap_or_default(),
    }
}

fn table(columns: Vec<Column>, constraints: Vec<(&str, Constraint)>) -> Table {
    Table {
        columns,
        constraints: constraints
            .into_iter()
            .map(|(n, c)| (n.to_string(), c))
            .collect(),
        ..Table::default()
    }
}

pub(crate) fn schema() -> Schema {
    let mut s = Schema::default();
    let mut users = table(
        vec![
            col("id", "bigint", true),
            col("email", "character varying(200)", true),
            col("manager_id", "bigint", false),
        ],
        vec![
            ("users_pkey", key('p', &["id"], None)),
            (
                "users_manager_id_fkey",
                key('f', &["manager_id"], Some(("public", "users", &["id"]))),
            ),
        ],
    );
    users.indexes.insert(
        "users_email_key".into(),
        Index {
            definition: "CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)"
                .into(),
            columns: vec!["email".into()],
        },
    );
    s.tables.insert(QName::new("public", "users"), users);
    s.tables.insert(
        QName::new("public", "profiles"),
        table(
            vec![col("user_id", "bigint", true), col("bio", "text", false)],
            vec![
                ("profiles_pkey", key('p', &["user_id"], None)),
                (
                    "profiles_user_id_fkey",
                    key('f', &["user_id"], Some(("public", "users", &["id"]))),
                ),
            ],
        ),
    );
    s.tables.insert(
        QName::new("sales", "orders"),
        table(
            vec![
                col("id", "bigint", true),
                col("user_id", "bigint", true),
                col("placed at", "timestamp with time zone", true),
            ],
            vec![
                ("orders_pkey", key('p', &["id"], None)),
                (
                    "orders_user_id_fkey",
                    key('f', &["user_id"], Some(("public", "users", &["id"]))),
                ),
            ],
        ),
    );
    s.tables.insert(
        QName::new("public", "Order Lines"),
        table(
            vec![
                col("order_id", "bigint", true),
                col("line_no", "integer", true),
                col("amount", "numeric(10,2)", true),
            ],
            vec![
                ("Order Lines_pkey", key('p', &["order_id", "line_no"], None)),
                (
                    "order_lines_order_fk",
                    key('f', &["order_id"], Some(("sales", "orders", &["id"]))),
                ),
            ],
        ),
    );
    s.tables.insert(
        QName::new("public", "shipments"),
        table(
            vec![
                col("id", "bigint", true),
                col("order_id", "bigint", false),
                col("line_no", "integer", false),
            ],
            vec![
                ("shipments_pkey", key('p', &["id"], None)),
                (
                    "shipments_line_fk",
                    key(
                        'f',
                        &["order_id", "line_no"],
                        Some(("public", "Order Lines", &["order_id", "line_no"])),
                    ),
                ),
            ],
        ),
    );
    s
}

#[test]
fn the_model_reads_keys_and_cardinality_from_the_constraints() {
    let m = model(&schema());
    let names: Vec<String> = m.tables.iter().map(|t| t.qualified()).collect();
    assert_eq!(
        names,
        [
            "public.Order Lines",
            "public.profiles",
            "public.shipments",
            "public.users",
            "sales.orders"
        ]
    );
    let users = &m.tables[3];
    let flags: Vec<(&str, bool, bool, bool, bool)> = users
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.nullable, c.pk, c.unique, c.fk))
        .collect();
    assert_eq!(
        flags,
        [
            ("id", false, true, false, false),
            ("email", false, false, true, false),
            ("manager_id", true, false, false, true)
        ]
    );
    let rels: Vec<(&str, Cardinality, bool)> = m
        .relationships
        .iter()
        .map(|r| (r.constraint.as_str(), r.cardinality, r.optional))
        .collect();
    assert_eq!(
        rels,
        [
            ("order_lines_order_fk", Cardinality::ManyToOne, false),
            ("profiles_user_id_fkey", Cardinality::OneToOne, false),
            ("shipments_line_fk", Cardinality::ManyToOne, true),
            ("users_manager_id_fkey", Cardinality::ManyToOne, true),
            ("orders_user_id_fkey", Cardinality::ManyToOne, false),
        ]
    );
    assert_eq!(m.relationships[2].to_columns, ["order_id", "line_no"]);
}

#[test]
fn mermaid_has_every_table_key_and_relationship_in_valid_syntax() {
    let expected = r#"erDiagram
    "Order Lines" {
        bigint order_id PK, FK
        integer line_no PK
        numeric_10_2 amount
    }
    profiles {
        bigint user_id PK, FK
        text bio
    }
    shipments {
        bigint id PK
        bigint order_id FK
        integer line_no FK
    }
    users {
        bigint id PK
        varchar_200 email UK
        bigint manager_id FK
    }
    "sales.orders" {
        bigint id PK
        bigint user_id FK
        timestamptz placed_at "placed at"
    }
    "sales.orders" ||--o{ "Order Lines" : "order_lines_order_fk"
    users ||--o| profiles : "profiles_user_id_fkey"
    "Order Lines" |o--o{ shipments : "shipments_line_fk"
    users |o--o{ users : "users_manager_id_fkey"
    users ||--o{ "sales.orders" : "orders_user_id_fkey"
"#;
    assert_eq!(mermaid::render(&model(&schema())), expected);
}

#[test]
fn svg_is_well_formed_with_a_group_per_table_and_a_path_per_relationship() {
    let m = model(&schema());
    let text = svg::render(&m);
    assert_eq!(text, svg::render(&model(&schema())), "byte-identical");
    let doc = roxmltree::Document::parse(&text).map_err(|e| e.to_string());
    let Ok(doc) = doc else {
        panic!("not XML: {doc:?}\n{text}");
    };
    let class = |n: &roxmltree::Node, c: &str| n.attribute("class") == Some(c);
    let tables: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && class(n, "table"))
        .filter_map(|n| n.attribute("data-table"))
        .collect();
    assert_eq!(
        tables,
        m.tables.iter().map(|t| t.qualified()).collect::<Vec<_>>()
    );
    // Each group shows its table's name as its header.
    let headers: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && class(n, "table"))
        .filter_map(|g| g.children().find(|c| c.has_tag_name("text")))
        .filter_map(|t| t.text().map(str::to_string))
        .collect();
    assert_eq!(
        headers,
        [
            "Order Lines",
            "profiles",
            "shipments",
            "users",
            "sales.orders"
        ]
    );
    let edges: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && class(n, "relationship"))
        .filter(|g| g.descendants().filter(|p| p.has_tag_name("path")).count() == 1)
        .filter_map(|g| g.attribute("data-constraint"))
        .collect();
    assert_eq!(
        edges,
        m.relationships
            .iter()
            .map(|r| r.constraint.as_str())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("path")).count(),
        m.relationships.len()
    );
    // Referenced tables are left of the tables that reference them.
    let x_of = |name: &str| {
        doc.descendants()
            .find(|n| n.attribute("data-table") == Some(name))
            .and_then(|g| g.children().find(|c| c.has_tag_name("rect")))
            .and_then(|r| r.attribute("x"))
            .and_then(|x| x.parse::<i64>().ok())
            .unwrap_or(-1)
    };
    assert!(x_of("public.users") < x_of("sales.orders"));
    assert!(x_of("sales.orders") < x_of("public.Order Lines"));
    assert!(x_of("public.Order Lines") < x_of("public.shipments"));
}

#[test]
fn svg_escapes_text() {
    let mut s = Schema::default();
    s.tables.insert(
        QName::new("public", "a<b>&\"c'"),
        table(vec![col("x&y", "text", false)], vec![]),
    );
    let text = svg::render(&model(&s));
    assert!(text.contains("a&lt;b&gt;&amp;&quot;c&apos;"), "{text}");
    assert!(roxmltree::Document::parse(&text).is_ok(), "{text}");
}

#[test]
fn a_cycle_of_foreign_keys_is_laid_out_and_drawn() {
    let mut s = Schema::default();
    for (me, other) in [("a", "b"), ("b", "a")] {
        let fk = format!("{me}_{other}_fk");
        s.tables.insert(
            QName::new("public", me),
            table(
                vec![col("id", "int", true), col("other", "int", false)],
                vec![
                    ("pk", key('p', &["id"], None)),
                    (&fk, key('f', &["other"], Some(("public", other, &["id"])))),
                ],
            ),
        );
    }
    let m = model(&s);
    assert_eq!(m.relationships.len(), 2);
    let text = svg::render(&m);
    let doc = roxmltree::Document::parse(&text).map_err(|e| e.to_string());
    let Ok(doc) = doc else {
        panic!("not XML: {doc:?}\n{text}");
    };
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("path")).count(),
        2
    );
    assert!(mermaid::render(&m).contains("    a |o--o{ b : \"b_a_fk\"\n"));
}
