//! `migrator pull`: schema.sql from the live database — proven on a shadow database,
//! deterministic, never over an existing file without --force, and consistent with
//! makemigrations (a `--check` against the pulled file reports nothing).

use crate::common::Project;

#[tokio::test]
async fn pull_writes_a_proven_deterministic_schema_file() {
    let p = Project::new().await;
    p.add(
        1,
        "init",
        "CREATE TYPE status AS ENUM ('new', 'done');\n\
         CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE, s status DEFAULT 'new', created timestamptz DEFAULT now());\n\
         CREATE TABLE tags (id int PRIMARY KEY, item_id bigint NOT NULL REFERENCES items (id) ON DELETE CASCADE, label text CHECK (label <> ''));\n\
         CREATE INDEX tags_label ON tags (lower(label));\n\
         CREATE FUNCTION item_label(i items) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT i.name || ':' || i.s $$;\n\
         CREATE VIEW open_items AS SELECT id, name FROM items WHERE s = 'new';",
        Some("DROP VIEW open_items; DROP FUNCTION item_label(items); DROP TABLE tags; DROP TABLE items; DROP TYPE status;"),
    );
    p.migrator().arg("migrate").run().ok();
    let out_file = p.migrations().join("../pulled.sql");
    let first = p.migrator().args(["pull", "-o"]).arg(&out_file).run();
    first.ok().stderr_has("proven").stdout_has("pulled.sql");
    let bytes = std::fs::read(&out_file).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    for needle in [
        "CREATE TYPE",
        "items",
        "tags_label",
        "item_label",
        "open_items",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    assert!(!text.contains("_sqlx_migrations"), "{text}");

    // Never over an existing file without --force; nothing changed then.
    let again = p.migrator().args(["pull", "-o"]).arg(&out_file).run();
    again
        .code(7)
        .stderr_has("exists; nothing was written")
        .stderr_has("--force");
    // Deterministic: --force writes the same bytes.
    p.migrator()
        .args(["pull", "--force", "-o"])
        .arg(&out_file)
        .run()
        .ok();
    assert_eq!(std::fs::read(&out_file).unwrap_or_default(), bytes);

    // The pulled file is what the migrations build: --check finds nothing to add.
    p.migrator()
        .args(["makemigrations", "--check", "--schema"])
        .arg(&out_file)
        .run()
        .ok()
        .stderr_has("No changes detected");
}
