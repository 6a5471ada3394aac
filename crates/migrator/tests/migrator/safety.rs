use std::time::{Duration, Instant};

use crate::common::{Project, Run, pg, scalar, wait};

#[tokio::test]
async fn failing_migration_leaves_nothing_behind() {
    let p = Project::new().await;
    p.add(1, "ok", "CREATE TABLE ok ();", Some("DROP TABLE ok;"));
    p.add(
        2,
        "broken",
        "CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\nSELECT * FROM no_such_table;\n",
        Some("DROP TABLE half;"),
    );
    p.add(
        3,
        "later",
        "CREATE TABLE later ();",
        Some("DROP TABLE later;"),
    );
    let out = p.migrator().arg("migrate").run();
    out.code(5)
        .stderr_has("2_broken.up.sql")
        .stderr_has("line 3, column 15")
        .stderr_has("relation \"no_such_table\" does not exist")
        .stderr_has("hint: fix the file");
    assert_eq!(
        p.recorded().await,
        vec![1],
        "no row for the failed migration"
    );
    assert!(!p.table_exists("half").await, "no partial schema");
    assert!(!p.table_exists("later").await, "the run stopped");
    let mut c = p.conn().await;
    let locks: i64 = scalar(&mut c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").await;
    assert_eq!(locks, 0, "the lock is released after a failure");
    // Fixed, it goes through.
    p.write("2_broken.up.sql", "CREATE TABLE half (id int);");
    p.migrator().arg("migrate").run().ok();
    assert_eq!(p.recorded().await, vec![1, 2, 3]);
}

#[tokio::test]
async fn modified_applied_file_is_refused_and_nothing_runs() {
    let p = Project::new().await;
    p.add(1, "a", "CREATE TABLE a ();", Some("DROP TABLE a;"));
    p.migrator().arg("migrate").run().ok();
    p.write("1_a.up.sql", "CREATE TABLE a ();\r\n"); // one CRLF is a change
    p.add(2, "b", "CREATE TABLE b ();", Some("DROP TABLE b;"));
    let out = p.migrator().arg("migrate").run();
    out.code(6)
        .stderr_has("applied migration 1 was modified")
        .stderr_has("1_a.up.sql");
    assert!(!p.table_exists("b").await);
    assert_eq!(p.recorded().await, vec![1]);
    // Missing applied file: also integrity.
    p.write("1_a.up.sql", "CREATE TABLE a ();");
    p.migrator().arg("migrate").run().ok();
    for f in ["1_a.up.sql", "1_a.down.sql"] {
        assert!(std::fs::remove_file(p.migrations().join(f)).is_ok());
    }
    p.add(3, "c", "CREATE TABLE c ();", None);
    p.migrator()
        .arg("migrate")
        .run()
        .code(6)
        .stderr_has("migration 1 (a) is applied but its file is missing");
    assert!(!p.table_exists("c").await);
}

#[tokio::test]
async fn out_of_order_is_refused_unless_allowed() {
    let p = Project::new().await;
    p.add(1, "a", "CREATE TABLE a ();", None);
    p.add(3, "c", "CREATE TABLE c ();", None);
    p.migrator().arg("migrate").run().ok();
    p.add(2, "b", "CREATE TABLE b ();", None);
    p.migrator()
        .arg("migrate")
        .run()
        .code(6)
        .stderr_has("2_b.up.sql is older than the newest applied migration 3");
    assert!(!p.table_exists("b").await);
    p.migrator()
        .args(["migrate", "--allow-out-of-order"])
        .run()
        .ok();
    assert!(p.table_exists("b").await);
    assert_eq!(p.recorded().await, vec![1, 2, 3]);
}

#[tokio::test]
async fn eight_concurrent_migrators_apply_each_migration_once() {
    let p = Project::new().await;
    p.add(1, "counter", "CREATE TABLE runs (v int);", None);
    for v in 2..=6 {
        // Not idempotent: a second run would fail on CREATE TABLE.
        p.add(
            v,
            &format!("m{v}"),
            &format!("CREATE TABLE m{v} (); INSERT INTO runs VALUES ({v}); SELECT pg_sleep(0.05);"),
            None,
        );
    }
    let children: Vec<_> = (0..8)
        .map(|_| p.migrator().arg("migrate").spawn())
        .collect();
    let outs: Vec<_> = children.into_iter().map(wait).collect();
    for o in &outs {
        o.ok();
    }
    assert_eq!(p.recorded().await, vec![1, 2, 3, 4, 5, 6]);
    let mut c = p.conn().await;
    let runs: i64 = scalar(&mut c, "SELECT count(*) FROM runs").await;
    assert_eq!(runs, 5, "each migration ran exactly once");
    let appliers = outs.iter().filter(|o| o.stderr.contains("Applied")).count();
    assert!(appliers >= 1);
    let applied_lines: usize = outs
        .iter()
        .map(|o| o.stderr.matches("applied ").count())
        .sum();
    assert_eq!(applied_lines, 6, "six 'applied' lines across all processes");
    let locks: i64 = scalar(&mut c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").await;
    assert_eq!(locks, 0);
}

#[tokio::test]
async fn held_lock_times_out_with_its_code_and_holder() {
    let p = Project::new().await;
    p.add(1, "a", "CREATE TABLE a ();", None);
    let mut holder = p.conn().await;
    let pid: i32 = scalar(&mut holder, "SELECT pg_backend_pid()").await;
    // The sqlx key: an app running sqlx::migrate!() at start-up holds exactly this lock.
    let db: String = scalar(&mut holder, "SELECT current_database()").await;
    let key = 0x3d32ad9e_i64 * i64::from(crc32fast::hash(db.as_bytes()));
    if let Err(e) = sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(&mut holder)
        .await
    {
        panic!("{e}");
    }
    let started = Instant::now();
    let out = p.migrator().args(["migrate", "--lock-timeout", "2"]).run();
    let took = started.elapsed();
    out.code(4)
        .stderr_has(&format!("PID {pid}"))
        .stderr_has("--lock-timeout");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(15),
        "{took:?}"
    );
    assert!(!p.table_exists("a").await);
}

#[tokio::test]
async fn canary_password_never_printed() {
    let cluster = pg::cluster();
    let canary = "Cn4ry-p@ss:w/rd%?#";
    let p = Project::new().await;
    let db = p.url.rsplit('/').next().unwrap_or_default().to_string();
    let mut admin = cluster.connect("postgres").await;
    let role = format!("canary_{}", std::process::id());
    let create = format!("CREATE ROLE {role} LOGIN SUPERUSER PASSWORD 'Cn4ry-p@ss:w/rd%?#'");
    if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut admin)
        .await
    {
        panic!("{e}");
    }
    let enc = "Cn4ry-p%40ss%3Aw%2Frd%25%3F%23";
    let url = format!(
        "postgres://{role}:{enc}@{}:{}/{db}",
        cluster.host, cluster.port
    );
    let bad_db = format!(
        "postgres://{role}:{enc}@{}:{}/no_such_db",
        cluster.host, cluster.port
    );
    p.add(1, "a", "CREATE TABLE a ();", Some("DROP TABLE a;"));
    p.add(2, "bad", "SELECT * FROM nope;", None);
    let mut outputs = Vec::new();
    for (u, args) in [
        (&url, vec!["-vv", "migrate", "1"]),
        (&url, vec!["-vv", "migrate"]),
        (&url, vec!["-v", "history"]),
        (&url, vec!["--format", "json", "history"]),
        (&url, vec!["-v", "downgrade"]),
        (&bad_db, vec!["-vv", "migrate"]),
        (&bad_db, vec!["history"]),
    ] {
        outputs.push(p.migrator().env("DATABASE_URL", u).args(args).run());
    }
    outputs.push(
        Run::bin(env!("CARGO_BIN_EXE_migrator"))
            .args(["--database-url", &url, "--migrations-dir"])
            .arg(p.migrations())
            .arg("current")
            .run(),
    );
    assert_eq!(outputs[1].code, 5);
    assert_eq!(outputs[5].code, 3, "{}", outputs[5].stderr);
    outputs[5].stderr_has(&format!("{role}:***@"));
    for o in &outputs {
        let all = o.all();
        for needle in [canary, enc, "Cn4ry", "p@ss:w"] {
            assert!(!all.contains(needle), "secret leaked:\n{all}");
        }
    }
}

#[tokio::test]
async fn unreachable_database_and_missing_url() {
    let p = Project::new().await;
    p.migrator()
        .env("DATABASE_URL", "postgres://u:topsecret@127.0.0.1:1/db")
        .arg("history")
        .run()
        .code(3)
        .stderr_has("postgres://u:***@127.0.0.1:1/db")
        .stderr_has("hint:");
    let out = p.migrator().env_remove("DATABASE_URL").arg("migrate").run();
    out.code(2).stderr_has("DATABASE_URL");
    let out = p
        .migrator()
        .args(["--migrations-dir", "/nonexistent/x", "history"])
        .run();
    out.code(7).stderr_has("/nonexistent/x");
}
