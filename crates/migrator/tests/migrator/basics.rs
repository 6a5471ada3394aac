use sha2::{Digest, Sha384};

use crate::common::{Project, scalar};

fn three(p: &Project) {
    p.add(
        1,
        "create_a",
        "CREATE TABLE a (id int);",
        Some("DROP TABLE a;"),
    );
    p.add(
        2,
        "create_b",
        "CREATE TABLE b (id int);",
        Some("DROP TABLE b;"),
    );
    p.add(
        3,
        "create_c",
        "CREATE TABLE c (id int);",
        Some("DROP TABLE c;"),
    );
}

#[tokio::test]
async fn migrate_all_then_nothing_pending() {
    let p = Project::new().await;
    three(&p);
    let out = p.migrator().arg("migrate").run();
    out.ok()
        .stderr_has("applied 1 create a")
        .stderr_has("Applied 3 migrations");
    assert_eq!(p.recorded().await, vec![1, 2, 3]);
    assert!(p.table_exists("a").await && p.table_exists("c").await);
    // Checksums are SHA-384 of the file bytes; descriptions as sqlx derives them.
    let mut c = p.conn().await;
    let sum: Vec<u8> = scalar(
        &mut c,
        "SELECT checksum FROM _sqlx_migrations WHERE version = 2",
    )
    .await;
    assert_eq!(sum, Sha384::digest(b"CREATE TABLE b (id int);").to_vec());
    let desc: String = scalar(
        &mut c,
        "SELECT description FROM _sqlx_migrations WHERE version = 2",
    )
    .await;
    assert_eq!(desc, "create b");
    let ns: i64 = scalar(&mut c, "SELECT min(execution_time) FROM _sqlx_migrations").await;
    assert!(ns > 0);

    p.migrator()
        .arg("migrate")
        .run()
        .ok()
        .stderr_has("No migrations to apply (database at 3)");
    assert_eq!(p.recorded().await, vec![1, 2, 3]);
}

#[tokio::test]
async fn migrate_to_a_version_and_dry_run() {
    let p = Project::new().await;
    three(&p);
    let dry = p.migrator().args(["migrate", "--dry-run"]).run();
    dry.ok().stdout_has("1 create a").stdout_has("3 create c");
    assert!(p.recorded().await.is_empty());
    assert!(!p.table_exists("a").await);

    let json = p
        .migrator()
        .args(["--format", "json", "migrate", "2", "--dry-run"])
        .run();
    json.ok();
    let v = json.json();
    let versions: Vec<i64> = v["pending"]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["version"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(versions, vec![1, 2]);

    p.migrator().args(["migrate", "2"]).run().ok();
    assert_eq!(p.recorded().await, vec![1, 2]);
    assert!(!p.table_exists("c").await);
    p.migrator()
        .args(["migrate", "42"])
        .run()
        .code(7)
        .stderr_has("no migration has version 42");
}

#[tokio::test]
async fn json_events_stream() {
    let p = Project::new().await;
    three(&p);
    let out = p.migrator().args(["--format", "json", "migrate"]).run();
    out.ok();
    let events: Vec<String> = out
        .json_lines()
        .iter()
        .map(|e| e["event"].as_str().unwrap_or("?").to_string())
        .collect();
    assert_eq!(
        events,
        [
            "start", "running", "applied", "running", "applied", "running", "applied", "done"
        ]
    );
    let lines = out.json_lines();
    assert_eq!(lines[0]["total"], 3);
    assert_eq!(lines[7]["count"], 3);
}

#[tokio::test]
async fn history_shows_every_state() {
    let p = Project::new().await;
    p.add(1, "one", "CREATE TABLE one ();", Some("DROP TABLE one;"));
    p.add(2, "two", "CREATE TABLE two ();", Some("DROP TABLE two;"));
    p.add(4, "four", "CREATE TABLE four ();", Some("DROP TABLE four;"));
    p.migrator().arg("migrate").run().ok();
    // modified (1), missing (2), out-of-order (3), applied (4), pending (5)
    p.write("1_one.up.sql", "CREATE TABLE one (x int);");
    for f in ["2_two.up.sql", "2_two.down.sql"] {
        assert!(std::fs::remove_file(p.migrations().join(f)).is_ok());
    }
    p.add(3, "three", "SELECT 1;", None);
    p.add(5, "five", "SELECT 1;", None);
    let out = p.migrator().args(["--format", "json", "history"]).run();
    out.ok();
    let states: Vec<(String, String)> = out
        .json_column("version")
        .into_iter()
        .zip(out.json_column("state"))
        .collect();
    assert_eq!(
        states,
        vec![
            ("1".to_string(), "modified".to_string()),
            ("2".to_string(), "missing".to_string()),
            ("3".to_string(), "out-of-order".to_string()),
            ("4".to_string(), "applied".to_string()),
            ("5".to_string(), "pending".to_string())
        ]
    );
    let text = p.migrator().arg("history").run();
    text.ok()
        .stdout_has("VERSION")
        .stdout_has("out-of-order")
        .stdout_has("four");
}

#[tokio::test]
async fn current_and_sqlmigrate() {
    let p = Project::new().await;
    three(&p);
    p.migrator().arg("current").run().ok().stdout_has("none");
    p.migrator().args(["migrate", "2"]).run().ok();
    p.migrator()
        .arg("current")
        .run()
        .ok()
        .stdout_has("2 create b");
    let j = p.migrator().args(["--format", "json", "current"]).run();
    assert_eq!(j.ok().json()["version"], 2);
    p.migrator()
        .args(["sqlmigrate", "3"])
        .run()
        .ok()
        .stdout_has("CREATE TABLE c (id int);");
    p.migrator()
        .args(["sqlmigrate", "3", "--down"])
        .run()
        .ok()
        .stdout_has("DROP TABLE c;");
    p.migrator().args(["sqlmigrate", "9"]).run().code(7);
}

#[tokio::test]
async fn stamp_records_without_running() {
    let p = Project::new().await;
    three(&p);
    let out = p.migrator().args(["stamp", "2"]).run();
    out.ok().stderr_has("2 migration(s) recorded");
    assert_eq!(p.recorded().await, vec![1, 2]);
    assert!(!p.table_exists("a").await, "stamp must not run SQL");
    // The stamped checksums match the files: migrate now only runs 3.
    p.migrator().arg("migrate").run().ok();
    assert!(p.table_exists("c").await && !p.table_exists("a").await);
    // stamp back to 1 un-records 2 and 3, stamp head records all.
    p.migrator().args(["stamp", "1"]).run().ok();
    assert_eq!(p.recorded().await, vec![1]);
    p.migrator().args(["stamp", "head"]).run().ok();
    assert_eq!(p.recorded().await, vec![1, 2, 3]);
}

#[tokio::test]
async fn no_transaction_migration_runs_concurrent_index() {
    let p = Project::new().await;
    p.add(1, "t", "CREATE TABLE t (id int);", Some("DROP TABLE t;"));
    p.add(
        2,
        "idx",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);",
        Some("-- no-transaction\nDROP INDEX CONCURRENTLY t_id;"),
    );
    p.migrator().arg("migrate").run().ok();
    assert!(p.table_exists("t_id").await);
    p.migrator().arg("downgrade").run().ok();
    assert!(!p.table_exists("t_id").await);
    assert_eq!(p.recorded().await, vec![1]);
}
