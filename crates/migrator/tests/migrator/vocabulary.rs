//! Targets as Alembic and Django users type them: `migrate head`, `migrate +N`,
//! `downgrade -N`, `downgrade base`, `stamp base`, `--plan`, and `history` marking the current
//! migration; bad forms exit 2 naming the accepted ones.

use std::time::Duration;

use crate::common::{Project, scalar};

/// 1 and 2 plain tables, 3 a no-transaction index on 1's table.
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
        "index_a",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n",
        Some("-- no-transaction\nDROP INDEX CONCURRENTLY a_id;\n"),
    );
}

/// Everything a run could change: `_sqlx_migrations` rows (with their times) and the
/// relations of the public schema.
async fn state(p: &Project) -> (Vec<String>, Vec<String>) {
    let mut c = p.conn().await;
    let has_table: bool =
        scalar(&mut c, "SELECT to_regclass('_sqlx_migrations') IS NOT NULL").await;
    let rows = if has_table {
        sqlx::query_scalar::<_, String>(
            "SELECT format('%s %s %s %s', version, description, installed_on, execution_time)
               FROM _sqlx_migrations ORDER BY version",
        )
        .fetch_all(&mut c)
        .await
        .unwrap_or_else(|e| panic!("rows: {e}"))
    } else {
        Vec::new()
    };
    let relations = sqlx::query_scalar::<_, String>(
        "SELECT format('%s %s', c.relname, c.relkind) FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap_or_else(|e| panic!("relations: {e}"));
    (rows, relations)
}

fn versions(v: &serde_json::Value, key: &str) -> Vec<i64> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["version"].as_i64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn migrate_plus_n_applies_exactly_n_and_head_applies_the_rest() {
    let p = Project::new().await;
    three(&p);
    p.migrator()
        .args(["migrate", "+1"])
        .run()
        .ok()
        .stderr_has("Applied 1 migration");
    assert_eq!(p.recorded().await, vec![1]);
    assert!(p.table_exists("a").await && !p.table_exists("b").await);
    // More steps than pending: refused, nothing applied.
    p.migrator()
        .args(["migrate", "+3"])
        .run()
        .code(7)
        .stderr_has("cannot apply 3 migration(s): only 2 migration(s) are pending")
        .stderr_has("hint: apply every pending one with: migrator migrate head");
    assert_eq!(p.recorded().await, vec![1]);
    p.migrator().args(["migrate", "head"]).run().ok();
    assert_eq!(p.recorded().await, vec![1, 2, 3]);
    assert!(p.table_exists("a_id").await);
    // head with nothing pending: like no argument, a no-op.
    p.migrator()
        .args(["migrate", "head"])
        .run()
        .ok()
        .stderr_has("No migrations to apply (database at 3)");
    p.migrator()
        .args(["migrate", "+1"])
        .run()
        .code(7)
        .stderr_has("none is pending")
        .stderr_has("hint: see where the database is with: migrator history");
}

#[tokio::test]
async fn downgrade_minus_n_and_base_revert_everything() {
    let p = Project::new().await;
    three(&p);
    p.migrator().arg("migrate").run().ok();
    p.migrator().args(["downgrade", "-1"]).run().ok();
    assert_eq!(p.recorded().await, vec![1, 2]);
    assert!(!p.table_exists("a_id").await);
    p.migrator()
        .args(["downgrade", "base"])
        .run()
        .ok()
        .stderr_has("Reverted 2 migrations");
    assert!(p.recorded().await.is_empty(), "zero rows left");
    assert!(!p.table_exists("a").await && !p.table_exists("b").await);
    let (rows, relations) = state(&p).await;
    assert!(rows.is_empty());
    assert_eq!(
        relations,
        vec!["_sqlx_migrations r", "_sqlx_migrations_pkey i"]
    );
}

#[tokio::test]
async fn stamp_base_records_nothing_applied_and_changes_no_schema() {
    let p = Project::new().await;
    three(&p);
    // On a database the migrator never touched: nothing to remove, and no table created.
    p.migrator()
        .args(["stamp", "base"])
        .run()
        .ok()
        .stderr_has("Stamped base: 0 migration(s) recorded");
    assert!(!p.table_exists("_sqlx_migrations").await);
    p.migrator().arg("migrate").run().ok();
    let (_, before) = state(&p).await;
    let out = p
        .migrator()
        .args(["--format", "json", "stamp", "base"])
        .run();
    let v = out.ok().json();
    assert_eq!(v["target"], serde_json::Value::Null);
    assert_eq!(v["unstamped"], serde_json::json!([1, 2, 3]));
    assert!(p.recorded().await.is_empty(), "zero rows left");
    let (rows, after) = state(&p).await;
    assert!(rows.is_empty());
    assert_eq!(after, before, "stamp must not change the schema");
    assert!(p.table_exists("a").await && p.table_exists("a_id").await);
    // `stamp head` records them again, checksums matching: nothing pending.
    p.migrator().args(["stamp", "head"]).run().ok();
    p.migrator()
        .args(["migrate", "--plan"])
        .run()
        .ok()
        .stderr_has("Plan: no migrations to apply.");
    // Like any stamp, refused over an applied migration whose file changed.
    p.write("1_create_a.up.sql", "CREATE TABLE a (id bigint);");
    p.migrator()
        .args(["stamp", "base"])
        .run()
        .code(6)
        .stderr_has("applied migration 1 was modified");
    assert_eq!(p.recorded().await, vec![1, 2, 3]);
}

#[tokio::test]
async fn plan_lists_in_order_and_changes_nothing() {
    let p = Project::new().await;
    three(&p);
    // A fresh database: --plan creates nothing, not even `_sqlx_migrations`.
    let fresh = state(&p).await;
    p.migrator().args(["migrate", "--plan"]).run().ok();
    assert_eq!(state(&p).await, fresh);
    p.migrator().args(["migrate", "+1"]).run().ok();
    let before = state(&p).await;

    let out = p.migrator().args(["migrate", "--plan"]).run();
    out.ok()
        .stderr_has("Plan: 2 migration(s) would be applied, in this order");
    let lines: Vec<Vec<&str>> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines.iter().map(|l| l[..3].to_vec()).collect::<Vec<_>>(),
        vec![
            vec!["STEP", "DIRECTION", "VERSION"],
            vec!["1", "up", "2"],
            vec!["2", "up", "3"]
        ]
    );
    // The transaction column: 2 runs in one, 3 (`-- no-transaction`) does not.
    let tx: Vec<&str> = lines[1..].iter().map(|l| l[l.len() - 2]).collect();
    assert_eq!(tx, vec!["yes", "no"]);
    let json = p
        .migrator()
        .args(["--format", "json", "migrate", "+1", "--plan"])
        .run();
    let v = json.ok().json();
    assert_eq!(
        (v["plan"].clone(), v["direction"].clone()),
        (true.into(), "up".into())
    );
    assert_eq!(versions(&v, "steps"), vec![2]);
    assert_eq!(v["steps"][0]["transactional"], true);
    assert_eq!(state(&p).await, before, "migrate --plan ran something");

    p.migrator().arg("migrate").run().ok();
    let before = state(&p).await;
    let v = p
        .migrator()
        .args(["--format", "json", "downgrade", "base", "--plan"])
        .run()
        .ok()
        .json();
    assert_eq!(v["direction"], "down");
    assert_eq!(versions(&v, "steps"), vec![3, 2, 1], "newest first");
    let tx: Vec<bool> = (0..3)
        .filter_map(|i| v["steps"][i]["transactional"].as_bool())
        .collect();
    assert_eq!(tx, vec![false, true, true]);
    p.migrator()
        .args(["downgrade", "-2", "--plan"])
        .run()
        .ok()
        .stderr_has("Plan: 2 migration(s) would be reverted")
        .stdout_has("3_index_a.down.sql");
    assert_eq!(
        state(&p).await,
        before,
        "downgrade --plan reverted something"
    );
}

#[tokio::test]
async fn plan_is_the_list_dry_run_is_every_check() {
    let p = Project::new().await;
    three(&p);
    p.migrator().arg("migrate").run().ok();
    // Another session holds the migration lock: --plan does not wait for it, --dry-run does.
    let mut holder = p.conn().await;
    let db: String = scalar(&mut holder, "SELECT current_database()").await;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(migrator::db::lock_key(&db))
        .execute(&mut holder)
        .await
        .unwrap_or_else(|e| panic!("lock: {e}"));
    p.migrator()
        .args(["downgrade", "--plan"])
        .run_within(Duration::from_secs(20))
        .ok()
        .stdout_has("3  ");
    p.migrator()
        .args(["downgrade", "--dry-run", "--lock-timeout", "1"])
        .run()
        .code(4);
    drop(holder);
    // A script migrate would refuse: --dry-run says so (exit 7), --plan only lists it.
    p.add(
        4,
        "commit",
        "CREATE TABLE d ();\nCOMMIT;\n",
        Some("DROP TABLE d;"),
    );
    p.migrator()
        .args(["migrate", "--dry-run"])
        .run()
        .code(7)
        .stderr_has("COMMIT");
    p.migrator()
        .args(["migrate", "--plan"])
        .run()
        .ok()
        .stdout_has("4_commit.up.sql");
    // Both refuse what integrity forbids: a plan never lists what migrate would not run.
    p.write("1_create_a.up.sql", "CREATE TABLE a (id bigint);");
    p.migrator().args(["migrate", "--plan"]).run().code(6);
    assert_eq!(p.recorded().await, vec![1, 2, 3]);
    p.migrator()
        .args(["migrate", "--plan", "--dry-run"])
        .run()
        .code(2)
        .stderr_has("cannot be used with");
}

#[tokio::test]
async fn history_marks_the_current_migration_in_text_and_json() {
    let p = Project::new().await;
    three(&p);
    let marked = |out: &crate::common::Out| -> Vec<bool> {
        out.stdout
            .lines()
            .skip(1)
            .map(|l| l.ends_with("<- current"))
            .collect()
    };
    let text = p.migrator().arg("history").run();
    assert_eq!(marked(text.ok()), vec![false, false, false]);
    p.migrator().args(["migrate", "+2"]).run().ok();
    let text = p.migrator().arg("history").run();
    assert_eq!(marked(text.ok()), vec![false, true, false]);
    let json = p.migrator().args(["--format", "json", "history"]).run();
    assert_eq!(
        json.ok().json_column("current"),
        vec!["false", "true", "false"]
    );
    p.migrator().args(["downgrade", "base"]).run().ok();
    let json = p.migrator().args(["--format", "json", "history"]).run();
    assert_eq!(
        json.ok().json_column("current"),
        vec!["false", "false", "false"]
    );
}

#[tokio::test]
async fn bad_targets_exit_2_naming_the_accepted_forms() {
    let p = Project::new().await;
    three(&p);
    let cases: [(&[&str], &str, &str); 7] = [
        (
            &["migrate", "+0"],
            "`+0` is not a step count; migrate takes `head`",
            "hint: migrator migrate +1",
        ),
        (
            &["migrate", "-0"],
            "`-0` goes back: that is downgrade's job",
            "hint: migrator downgrade -1",
        ),
        (
            &["migrate", "+x"],
            "`+N` with N >= 1 (the next N pending)",
            "hint: migrator migrate +1",
        ),
        (
            &["migrate", "latest"],
            "`latest` is not a migrate target",
            "hint: migrator migrate head",
        ),
        (
            &["downgrade", "-0"],
            "downgrade takes `-N` with N >= 1",
            "hint: migrator downgrade -1",
        ),
        (
            &["downgrade", "head"],
            "`base` or `zero` (revert everything)",
            "hint: migrator migrate head",
        ),
        (
            &["stamp", "-1"],
            "stamp takes a VERSION, `head` (every migration file) or `base`",
            "hint: migrator stamp head",
        ),
    ];
    for (args, says, hint) in cases {
        let out = p.migrator().args(args).run();
        out.code(2).stderr_has(says);
        assert!(
            out.stderr.trim_end().ends_with(hint),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert!(p.recorded().await.is_empty());
    assert!(!p.table_exists("_sqlx_migrations").await);
}
