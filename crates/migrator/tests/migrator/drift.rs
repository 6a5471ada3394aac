//! `migrator drift`: the live database against what its applied migrations build. No false
//! alarm on a database the migrations made (pending ones do not count); every kind of change
//! by hand is listed; exit 1 then, 0 otherwise; JSON for machines; nothing is changed.

use crate::common::Project;

#[tokio::test]
async fn drift_lists_changes_made_by_hand_and_only_those() {
    let p = Project::new().await;
    p.add(
        1,
        "create_items",
        "CREATE TYPE status AS ENUM ('new', 'done');\n\
         CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, s status DEFAULT 'new');\n\
         CREATE INDEX items_name ON items (name);\n\
         CREATE VIEW open_items AS SELECT id, name FROM items WHERE s = 'new';",
        Some("DROP VIEW open_items; DROP TABLE items; DROP TYPE status;"),
    );
    p.add(
        2,
        "create_tags",
        "CREATE TABLE tags (id int PRIMARY KEY, item_id bigint REFERENCES items (id));",
        Some("DROP TABLE tags;"),
    );
    p.migrator().args(["migrate", "1"]).run().ok();

    // Migrated by the tool, one migration still pending: no drift.
    let clean = p.migrator().arg("drift").run();
    clean
        .ok()
        .stderr_has("No drift: the database matches what its 1 applied migration(s) build.");

    // Changes by hand: a column added, an index dropped, a table created, a default changed.
    p.sql(
        "ALTER TABLE items ADD COLUMN note text; DROP INDEX items_name; \
         CREATE TABLE scratch (x int); ALTER TABLE items ALTER COLUMN s SET DEFAULT 'done'",
    )
    .await;
    let drifted = p.migrator().arg("drift").run();
    drifted
        .code(1)
        .stderr_has("The database has drifted from its 1 applied migration(s) (")
        .stdout_has("note")
        .stdout_has("items_name")
        .stdout_has("scratch")
        .stderr_has("hint:");
    let json = p.migrator().args(["--format", "json", "drift"]).run();
    assert_eq!(json.code, 1, "{}", json.all());
    let doc = json.json();
    assert_eq!(doc["drifted"], true);
    assert_eq!(doc["applied"], 1);
    let diffs = doc["differences"].as_array().cloned().unwrap_or_default();
    assert!(diffs.len() >= 4, "{diffs:?}");
    // drift changes nothing: still drifted the same way, still one applied migration.
    assert!(p.table_exists("scratch").await);
    assert_eq!(p.recorded().await, vec![1]);

    // Undone by hand: no drift again.
    p.sql(
        "ALTER TABLE items DROP COLUMN note; CREATE INDEX items_name ON items (name); \
         DROP TABLE scratch; ALTER TABLE items ALTER COLUMN s SET DEFAULT 'new'",
    )
    .await;
    p.migrator().arg("drift").run().ok();

    // An applied migration whose file is gone: integrity error, as migrate reports it.
    p.migrator().arg("migrate").run().ok();
    for f in ["2_create_tags.up.sql", "2_create_tags.down.sql"] {
        if let Err(e) = std::fs::remove_file(p.migrations().join(f)) {
            panic!("{e}");
        }
    }
    p.migrator()
        .arg("drift")
        .run()
        .code(6)
        .stderr_has("migration 2 (create tags) is applied but its file is missing");
}

/// `makemigrations --from-database`: the migration that records what was changed by hand;
/// once applied, no drift is left, and it reverts cleanly.
#[tokio::test]
async fn makemigrations_from_the_database_records_the_changes_made_by_hand() {
    let p = Project::new().await;
    p.add(
        1,
        "items",
        "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);",
        Some("DROP TABLE items;"),
    );
    p.migrator().arg("migrate").run().ok();
    p.sql("ALTER TABLE items ADD COLUMN note text; CREATE INDEX items_name ON items (name)")
        .await;
    p.migrator().arg("drift").run().code(1);
    let made = p
        .migrator()
        .args(["makemigrations", "--from-database", "-m", "by hand"])
        .run();
    made.ok().stdout_has("_by_hand.up.sql");
    let up = p
        .files()
        .into_iter()
        .find(|f| f.ends_with("_by_hand.up.sql"))
        .unwrap_or_default();
    let sql = std::fs::read_to_string(p.migrations().join(&up)).unwrap_or_default();
    assert!(sql.contains("note") && sql.contains("items_name"), "{sql}");
    // The database already has these changes: record the new migration as applied, and
    // nothing drifts any more.
    let version = up.split('_').next().unwrap_or_default().to_owned();
    p.migrator().args(["stamp", &version]).run().ok();
    p.migrator().arg("drift").run().ok().stderr_has("No drift");
    // Its down script reverts them: the database is migration 1's state again, no drift.
    p.migrator().args(["downgrade", "-1"]).run().ok();
    p.migrator().arg("drift").run().ok().stderr_has("No drift");
    // Conflicting flags are refused before anything runs.
    p.migrator()
        .args(["makemigrations", "--from-database", "--check"])
        .run()
        .code(2);
}
