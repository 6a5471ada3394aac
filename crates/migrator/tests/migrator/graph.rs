//! `migrator graph`: the ER diagram of schema.sql and of the live database (the same schema
//! gives the same bytes either way), `-o` written whole and never over a file without
//! --force, the model as JSON, and the refusals.

use crate::common::Project;

const SCHEMA: &str = "CREATE SCHEMA sales;\n\
CREATE TABLE users (id bigint PRIMARY KEY, email character varying(200) NOT NULL UNIQUE, manager_id bigint REFERENCES users (id));\n\
CREATE TABLE profiles (user_id bigint PRIMARY KEY REFERENCES users (id), bio text);\n\
CREATE TABLE sales.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), total numeric(10,2));\n\
CREATE TABLE \"Order Lines\" (order_id bigint NOT NULL REFERENCES sales.orders (id), line_no int NOT NULL, PRIMARY KEY (order_id, line_no));\n\
CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint, line_no int, CONSTRAINT shipments_line_fk FOREIGN KEY (order_id, line_no) REFERENCES \"Order Lines\" (order_id, line_no));\n";

fn project_with_schema(p: &Project) {
    if let Err(e) = std::fs::write(p.dir.path().join("schema.sql"), SCHEMA) {
        panic!("write schema.sql: {e}");
    }
}

#[tokio::test]
async fn schema_sql_and_the_migrated_database_give_the_same_diagram() {
    let p = Project::new().await;
    project_with_schema(&p);
    let from_file = p.migrator().arg("graph").run();
    from_file.ok().stdout_has("erDiagram\n");
    for needle in [
        "    users {\n        bigint id PK\n        varchar_200 email UK\n        bigint manager_id FK\n    }",
        "    \"sales.orders\" {",
        "        numeric_10_2 total",
        "    \"Order Lines\" {\n        bigint order_id PK, FK\n        integer line_no PK\n    }",
        "    users |o--o{ users : \"users_manager_id_fkey\"",
        "    users ||--o| profiles : \"profiles_user_id_fkey\"",
        "    users ||--o{ \"sales.orders\" : \"orders_user_id_fkey\"",
        "    \"Order Lines\" |o--o{ shipments : \"shipments_line_fk\"",
    ] {
        assert!(
            from_file.stdout.contains(needle),
            "{needle} missing:\n{}",
            from_file.stdout
        );
    }
    let svg_file = p.migrator().args(["graph", "--to", "svg"]).run();
    svg_file
        .ok()
        .stdout_has("<svg xmlns=\"http://www.w3.org/2000/svg\"");

    p.add(1, "init", SCHEMA, None);
    p.migrator().arg("migrate").run().ok();
    let from_db = p.migrator().args(["graph", "--from-database"]).run();
    from_db.ok();
    assert_eq!(from_db.stdout, from_file.stdout);
    let svg_db = p
        .migrator()
        .args(["graph", "--from-database", "--to", "svg"])
        .run();
    svg_db.ok();
    assert_eq!(svg_db.stdout, svg_file.stdout);
}

#[tokio::test]
async fn graph_writes_a_file_whole_and_never_over_one_without_force() {
    let p = Project::new().await;
    project_with_schema(&p);
    let out = p.dir.path().join("er.svg");
    p.migrator()
        .args(["graph", "--to", "svg", "-o"])
        .arg(&out)
        .run()
        .ok()
        .stderr_has("Wrote the ER diagram of")
        .stdout_has("er.svg");
    let bytes = std::fs::read(&out).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(text.starts_with("<?xml"), "{text}");
    assert_eq!(text.matches("<g class=\"table\"").count(), 5, "{text}");
    assert_eq!(text.matches("<path class=\"edge\"").count(), 5, "{text}");

    std::fs::write(&out, "mine").unwrap_or_default();
    p.migrator()
        .args(["graph", "-o"])
        .arg(&out)
        .run()
        .code(7)
        .stderr_has("exists; nothing was written")
        .stderr_has("--force");
    assert_eq!(std::fs::read_to_string(&out).unwrap_or_default(), "mine");
    p.migrator()
        .args(["graph", "--force", "-o"])
        .arg(&out)
        .run()
        .ok();
    let mermaid = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(mermaid.starts_with("erDiagram\n"), "{mermaid}");
}

#[tokio::test]
async fn graph_json_reports_tables_and_relationships() {
    let p = Project::new().await;
    project_with_schema(&p);
    let out = p.migrator().args(["graph", "--format", "json"]).run();
    out.ok();
    let v = out.json();
    let tables: Vec<String> = v["tables"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        tables,
        [
            "public.Order Lines",
            "public.profiles",
            "public.shipments",
            "public.users",
            "sales.orders"
        ]
    );
    let email = &v["tables"][3]["columns"][1];
    assert_eq!(
        (
            email["name"].as_str(),
            email["type"].as_str(),
            email["nullable"].as_bool(),
            email["unique"].as_bool()
        ),
        (
            Some("email"),
            Some("character varying(200)"),
            Some(false),
            Some(true)
        )
    );
    let shipments = v["relationships"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["constraint"] == "shipments_line_fk")
        .cloned()
        .unwrap_or_default();
    assert_eq!(shipments["from"], "public.shipments");
    assert_eq!(shipments["to"], "public.Order Lines");
    assert_eq!(
        shipments["from_columns"],
        serde_json::json!(["order_id", "line_no"])
    );
    assert_eq!(shipments["cardinality"], "many-to-one");
    assert_eq!(shipments["optional"], true);
    assert_eq!(v["relationships"].as_array().map(Vec::len), Some(5));
    assert!(v["text"].as_str().unwrap_or("").starts_with("erDiagram\n"));
    assert_eq!(
        v["source"].as_str().map(|s| s.ends_with("schema.sql")),
        Some(true)
    );
}

#[tokio::test]
async fn graph_without_a_schema_file_says_how_to_get_one() {
    let p = Project::new().await;
    p.migrator()
        .arg("graph")
        .run()
        .code(7)
        .stderr_has("there is no schema file at")
        .stderr_has("hint: write it from the database: migrator pull")
        .stderr_has("migrator graph --from-database");
    p.migrator()
        .args(["graph", "--schema", "nope.sql"])
        .run()
        .code(7)
        .stderr_has("(given by --schema)");
}

/// What users read, whole: the diagram on stdout, a written file, the refusals.
#[tokio::test]
async fn what_graph_prints() {
    let p = Project::new().await;
    let mut t = testkit::Transcript::default();
    let mut run = |args: &[&str]| {
        let out = p.migrator().args(args).run();
        t.add(&format!("migrator {}", args.join(" ")), &out);
        out
    };
    run(&["graph"]).code(7);
    project_with_schema(&p);
    run(&["graph"]).ok();
    run(&["graph", "-o", "er.mmd"]).ok();
    run(&["graph", "-o", "er.mmd"]).code(7);
    run(&["graph", "--schema", "nope.sql"]).code(7);
    let dir = p.dir.path().display().to_string();
    testkit::snapshot_settings(&[(&dir, "[DIR]")]).bind(|| {
        insta::assert_snapshot!("graph_transcript", t.text());
    });
}

/// Protocol mode (what admin runs): schema.sql from the bundle on stdin, the diagram back as
/// data in one result message, nothing written in the container.
#[tokio::test]
async fn graph_through_the_protocol_returns_the_diagram_as_data() {
    use protocol::bundle::{Bundle, SchemaFile};
    use protocol::message::Message;
    use protocol::results::Outcome;

    let p = Project::new().await;
    let bundle = Bundle {
        version: protocol::bundle::VERSION,
        migrations_dir: "host/migrations".into(),
        migrations: Vec::new(),
        schema: Some(SchemaFile {
            shown: "host/schema.sql".into(),
            explicit: false,
            given_by: None,
            bytes: Some(SCHEMA.as_bytes().to_vec()),
        }),
    };
    let json = bundle.to_json().unwrap_or_default();
    let out = p
        .migrator()
        .args(["--bundle", "--protocol", "graph", "--to", "svg"])
        .stdin_bytes(&json)
        .run();
    out.ok();
    let results: Vec<Outcome> = out
        .stdout
        .lines()
        .filter_map(|l| match serde_json::from_str::<Message>(l) {
            Ok(Message::Result { outcome }) => Some(outcome),
            Ok(_) => None,
            Err(e) => panic!("not a protocol message ({e}): {l}"),
        })
        .collect();
    let [
        Outcome::Graph {
            source: Some(source),
            format,
            model,
            text,
            file: None,
        },
    ] = results.as_slice()
    else {
        panic!("one graph result expected: {results:?}");
    };
    assert_eq!(source.shown, "host/schema.sql");
    assert_eq!(format, "svg");
    assert_eq!(model.tables.len(), 5);
    assert!(text.starts_with("<?xml"), "{text}");
    assert!(!p.dir.path().join("schema.sql").exists());
}
