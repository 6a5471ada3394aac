//! What an interrupted no-transaction migration leaves behind (an INVALID index, an index
//! without its row, a row without its index) is detected, shown by history and reported with
//! the exact repair command, which works.

use crate::common::{Out, Project};

/// The text after `hint: ` on the last hint line.
fn hint(out: &Out) -> String {
    out.stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("hint: "))
        .unwrap_or_default()
        .to_string()
}

/// Runs a `psql "$DATABASE_URL" -c '…'` repair command from a hint, as a user would.
fn run_repair(p: &Project, command: &str) {
    let psql = command
        .split(", then run:")
        .next()
        .and_then(|c| c.strip_prefix("repair with: "))
        .unwrap_or_else(|| panic!("not a repair hint: {command}"));
    let out = std::process::Command::new("sh")
        .args(["-c", psql])
        .env("DATABASE_URL", &p.url)
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        other => panic!("{psql}: {other:?}"),
    }
}

async fn index_valid(p: &Project, name: &str) -> Option<bool> {
    let mut c = p.conn().await;
    match sqlx::query_scalar(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1",
    )
    .bind(name)
    .fetch_optional(&mut c)
    .await
    {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn an_invalid_index_is_reported_with_its_repair_never_accepted() {
    let p = Project::new().await;
    p.add(
        1,
        "t",
        "CREATE TABLE t (v int);\nINSERT INTO t VALUES (1), (1);\n",
        Some("DROP TABLE t;"),
    );
    p.add(
        2,
        "unique_v",
        "-- no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_v_key ON t (v);\n",
        Some("-- no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS t_v_key;\n"),
    );
    // The concurrent build fails on the duplicate and leaves an INVALID index behind.
    p.migrator()
        .arg("migrate")
        .run()
        .code(5)
        .stderr_has("could not create unique index")
        .stderr_has("t_v_key is INVALID");
    assert_eq!(index_valid(&p, "t_v_key").await, Some(false));
    p.sql("DELETE FROM t WHERE ctid <> (SELECT min(ctid) FROM t)")
        .await;

    // IF NOT EXISTS would accept the INVALID index: migrate refuses instead.
    let out = p.migrator().arg("migrate").run();
    out.code(6)
        .stderr_has("index public.t_v_key is INVALID")
        .stderr_has("nothing was run")
        .stderr_has("DROP INDEX CONCURRENTLY");
    assert_eq!(p.recorded().await, vec![1]);
    let history = p.migrator().arg("history").run();
    history
        .ok()
        .stdout_has("pending!")
        .stderr_has("t_v_key is INVALID");
    let json = p.migrator().args(["--format", "json", "history"]).run();
    let leftovers = json.json_column("leftover");
    assert_eq!(leftovers[0], "null");
    assert!(leftovers[1].contains("t_v_key is INVALID"), "{leftovers:?}");

    run_repair(&p, &hint(&out));
    p.migrator().arg("migrate").run().ok();
    assert_eq!(p.recorded().await, vec![1, 2]);
    assert_eq!(index_valid(&p, "t_v_key").await, Some(true));
    let json = p.migrator().args(["--format", "json", "history"]).run();
    assert_eq!(json.json_column("leftover"), vec!["null", "null"]);
}

#[tokio::test]
async fn an_index_built_without_its_row_is_reported_with_stamp() {
    let p = Project::new().await;
    p.add(1, "t", "CREATE TABLE t (v int);", Some("DROP TABLE t;"));
    p.add(
        2,
        "v_idx",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY t_v_idx ON t (v);\n",
        Some("-- no-transaction\nDROP INDEX CONCURRENTLY t_v_idx;\n"),
    );
    p.migrator().args(["migrate", "1"]).run().ok();
    // What a run killed after the build, before its row, leaves.
    p.sql("CREATE INDEX t_v_idx ON t (v)").await;
    p.migrator()
        .arg("history")
        .run()
        .ok()
        .stdout_has("pending!")
        .stderr_has("index public.t_v_idx exists");
    let out = p.migrator().arg("migrate").run();
    out.code(5)
        .stderr_has("already exists")
        .stderr_has("interrupted run")
        .stderr_has("hint: if the existing object is what ")
        .stderr_has("/migrations/2_v_idx.up.sql makes, record it: migrator stamp 2");
    p.migrator().args(["stamp", "2"]).run().ok();
    p.migrator().arg("migrate").run().ok();
    assert_eq!(p.recorded().await, vec![1, 2]);

    // A down killed after its DROP, before its row went: applied, index gone.
    p.sql("DROP INDEX t_v_idx").await;
    p.migrator()
        .arg("history")
        .run()
        .ok()
        .stdout_has("applied!")
        .stderr_has("index public.t_v_idx is missing");
    let out = p.migrator().arg("downgrade").run();
    out.code(5).stderr_has("does not exist").stderr_has(
        "repair with: psql \"$DATABASE_URL\" -c 'DELETE FROM _sqlx_migrations WHERE version = 2'",
    );
    run_repair(&p, &hint(&out));
    assert_eq!(p.recorded().await, vec![1]);
    p.migrator().arg("migrate").run().ok();
    assert_eq!(index_valid(&p, "t_v_idx").await, Some(true));
}
