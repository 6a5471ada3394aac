//! What a migration may not contain, refused before anything runs (COPY with the client,
//! transaction control, several statements in a no-transaction file, NUL bytes), and database
//! errors that must not carry the server's own source positions.

use std::time::Duration;

use super::autogen::{make, schema};
use crate::common::{Project, pg};

const LIMIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn copy_from_stdin_is_refused_before_anything_runs_and_never_hangs() {
    let p = Project::new().await;
    p.add(1, "a", "CREATE TABLE a ();", Some("DROP TABLE a;"));
    p.add(
        2,
        "load",
        "CREATE TABLE b (x int);\n\nCOPY b (x) FROM STDIN;\n",
        Some("DROP TABLE b;"),
    );
    let out = p.migrator().arg("migrate").run_within(LIMIT);
    out.code(7)
        .stderr_has("2_load.up.sql")
        .stderr_has("2_load.up.sql:3:1 is refused")
        .stderr_has("COPY … FROM STDIN")
        .stderr_has("nothing was run")
        .stderr_has("hint: load the rows with INSERT");
    assert_eq!(p.recorded().await, Vec::<i64>::new(), "nothing ran");
    assert!(!p.table_exists("a").await && !p.table_exists("b").await);
    assert_eq!(p.advisory_locks().await, 0, "the lock was released");

    // psql's inline data after the COPY is not SQL: still the COPY is what is named.
    p.write(
        "2_load.up.sql",
        "CREATE TABLE b (x int);\nCOPY b (x) FROM stdin;\n1\n2\n\\.\n",
    );
    p.migrator()
        .arg("migrate")
        .run_within(LIMIT)
        .code(7)
        .stderr_has("2_load.up.sql:2:1 is refused")
        .stderr_has("COPY … FROM STDIN");
    p.write(
        "2_load.up.sql",
        "CREATE TABLE b (x int);\nCOPY (SELECT 1) TO STDOUT;\n",
    );
    let out = p.migrator().arg("migrate").run_within(LIMIT);
    out.code(7)
        .stderr_has("2_load.up.sql")
        .stderr_has("2_load.up.sql:2:1 is refused")
        .stderr_has("COPY … TO STDOUT");
    assert_eq!(p.recorded().await, Vec::<i64>::new());
    // --dry-run says the same without touching anything.
    p.migrator()
        .args(["migrate", "--dry-run"])
        .run_within(LIMIT)
        .code(7)
        .stderr_has("COPY … TO STDOUT");
}

#[tokio::test]
async fn transaction_control_in_a_migration_is_refused_with_its_line() {
    let p = Project::new().await;
    p.add(
        1,
        "commit",
        "CREATE TABLE c1 (id int);\ncommit;\nCREATE TABLE c2 ();\nSELECT 1/0;\n",
        None,
    );
    p.migrator()
        .arg("migrate")
        .run_within(LIMIT)
        .code(7)
        .stderr_has("1_commit.up.sql")
        .stderr_has("1_commit.up.sql:2:1 is refused")
        .stderr_has("COMMIT")
        .stderr_has("all or nothing");
    assert!(!p.table_exists("c1").await, "nothing was committed");
    assert_eq!(p.recorded().await, Vec::<i64>::new());

    p.write("1_commit.up.sql", "CREATE TABLE r1 ();\n  ROLLBACK;\n");
    p.migrator()
        .arg("migrate")
        .run_within(LIMIT)
        .code(7)
        .stderr_has("1_commit.up.sql:2:3 is refused")
        .stderr_has("ROLLBACK");
    assert_eq!(p.recorded().await, Vec::<i64>::new(), "no row without r1");

    // In function bodies and DO blocks it is not a statement of the migration.
    p.write(
        "1_commit.up.sql",
        "CREATE TABLE r1 ();\nCREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;\n\
         DO $x$ BEGIN PERFORM 1; END $x$;\n",
    );
    p.migrator().arg("migrate").run_within(LIMIT).ok();
    assert_eq!(p.recorded().await, vec![1]);

    // A down file is checked before anything is reverted.
    p.add(
        2,
        "two",
        "CREATE TABLE two ();",
        Some("DROP TABLE two;\nSAVEPOINT s;\n"),
    );
    p.migrator().arg("migrate").run_within(LIMIT).ok();
    p.migrator()
        .arg("downgrade")
        .run_within(LIMIT)
        .code(7)
        .stderr_has("2_two.down.sql")
        .stderr_has("2_two.down.sql:2:1 is refused")
        .stderr_has("SAVEPOINT")
        .stderr_has("migrator downgrade");
    assert_eq!(p.recorded().await, vec![1, 2], "nothing was reverted");
    assert!(p.table_exists("two").await);
}

#[tokio::test]
async fn a_no_transaction_file_with_several_statements_is_refused_up_front() {
    let p = Project::new().await;
    p.add(1, "t", "CREATE TABLE t (a int, b int);", None);
    p.add(
        2,
        "indexes",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\nCREATE INDEX CONCURRENTLY t_b ON t (b);\n",
        None,
    );
    p.migrator()
        .arg("migrate")
        .run_within(LIMIT)
        .code(7)
        .stderr_has("2_indexes.up.sql")
        .stderr_has("2_indexes.up.sql:3:1 is refused")
        .stderr_has("exactly one statement")
        .stderr_has("hint: move each further statement into a migration of its own");
    assert!(!p.table_exists("t").await, "refused before anything ran");
    assert_eq!(p.recorded().await, Vec::<i64>::new());
}

#[tokio::test]
async fn makemigrations_checks_the_migrations_it_replays() {
    let p = Project::new().await;
    p.add(
        1,
        "init",
        "CREATE TABLE t (id int);\nCOMMIT;\nCREATE TABLE u ();\n",
        Some("DROP TABLE u; DROP TABLE t;"),
    );
    schema(&p, "CREATE TABLE t (id int);\nCREATE TABLE u ();\n");
    make(&p, &["-m", "x"])
        .await
        .code(7)
        .stderr_has("1_init.up.sql")
        .stderr_has("1_init.up.sql:2:1 is refused")
        .stderr_has("COMMIT")
        .stderr_has("migrator makemigrations");
    assert_eq!(p.files().len(), 2, "nothing written");
}

#[tokio::test]
async fn a_nul_byte_is_refused_with_its_position() {
    let p = Project::new().await;
    p.add(1, "a", "CREATE TABLE a ();", None);
    p.add(2, "nul", "SELECT 1;\nSELECT 'a\0b';\n", None);
    p.migrator()
        .arg("migrate")
        .run_within(LIMIT)
        .code(7)
        .stderr_has("2_nul.up.sql")
        .stderr_has("2_nul.up.sql:2:10 is refused")
        .stderr_has("NUL byte");
    assert_eq!(p.recorded().await, Vec::<i64>::new());
}

#[tokio::test]
async fn database_errors_do_not_end_with_the_servers_source_lines() {
    let cluster = pg::cluster();
    let p = Project::new().await;
    let wrong_pw = format!(
        "postgres://postgres:wrong@{}:{}/postgres",
        cluster.host, cluster.port
    );
    let no_db = format!("{}/no_such_db_here", cluster.base_url);
    for url in [&wrong_pw, &no_db] {
        let out = p
            .migrator()
            .env("DATABASE_URL", url)
            .arg("history")
            .run_within(LIMIT);
        out.code(3);
        assert!(!out.stderr.contains(" at line "), "{}", out.stderr);
    }
    p.migrator()
        .env("DATABASE_URL", &no_db)
        .arg("history")
        .run_within(LIMIT)
        .stderr_has("database \"no_such_db_here\" does not exist");
    // A table that is not sqlx's: the query error names no line at all.
    p.sql("CREATE TABLE _sqlx_migrations (version bigint)")
        .await;
    let out = p.migrator().arg("history").run_within(LIMIT);
    out.code(1).stderr_has("reading _sqlx_migrations");
    assert!(!out.stderr.contains(" at line "), "{}", out.stderr);
}

#[tokio::test]
async fn schema_sql_copying_from_the_client_or_with_a_nul_is_refused_not_hung() {
    let p = Project::new().await;
    schema(&p, "CREATE TABLE t (x int);\nCOPY t FROM STDIN;\n");
    p.migrator()
        .args(["makemigrations", "--check"])
        .run_within(LIMIT)
        .code(7)
        .stderr_has("schema.sql is rejected")
        .stderr_has("at line 2, column 1")
        .stderr_has("COPY … FROM STDIN");
    schema(
        &p,
        "CREATE TABLE t (x int);\nCOMMENT ON TABLE t IS 'a\0b';\n",
    );
    p.migrator()
        .args(["makemigrations", "--check"])
        .run_within(LIMIT)
        .code(7)
        .stderr_has("at line 2, column 25")
        .stderr_has("NUL byte");
    assert!(p.files().is_empty());
}

#[tokio::test]
async fn a_nul_byte_in_a_down_file_or_a_replayed_migration_is_refused_with_its_position() {
    let p = Project::new().await;
    p.add(1, "a", "CREATE TABLE a ();", Some("DROP TABLE a;"));
    p.add(2, "b", "CREATE TABLE b ();", Some("DROP TABLE b;\n\n  \0"));
    p.migrator().arg("migrate").run_within(LIMIT).ok();
    // downgrade checks the down file before reverting anything.
    let out = p.migrator().arg("downgrade").run_within(LIMIT);
    out.code(7)
        .stderr_has("2_b.down.sql:3:3 is refused")
        .stderr_has("NUL byte");
    assert!(!out.stderr.contains("08P01"), "{}", out.stderr);
    assert_eq!(p.recorded().await, vec![1, 2], "nothing reverted");
    assert!(p.table_exists("b").await);
    // makemigrations replays the migrations on a shadow database: the same check first.
    p.add(3, "c", "\0", None);
    schema(&p, "CREATE TABLE a ();\nCREATE TABLE b ();\n");
    let out = p
        .migrator()
        .args(["makemigrations", "--check"])
        .run_within(LIMIT);
    out.code(7)
        .stderr_has("3_c.up.sql:1:1 is refused")
        .stderr_has("NUL byte");
    assert!(!out.stderr.contains("08P01"), "{}", out.stderr);
}

#[tokio::test]
async fn connection_errors_name_no_source_line() {
    let cluster = pg::cluster();
    let p = Project::new().await;
    for url in [
        // Nothing listens there.
        "postgres://u:pw@127.0.0.1:1/db".to_owned(),
        // TLS demanded from a server without it.
        format!(
            "postgres://postgres:wrong@{}:{}/postgres?sslmode=require",
            cluster.host, cluster.port
        ),
        // Not a URL.
        format!("host={} port={} user=postgres", cluster.host, cluster.port),
        format!("postgres://u:pw@{}:notaport/db", cluster.host),
    ] {
        let out = p
            .migrator()
            .env("DATABASE_URL", &url)
            .args(["history", "-v"])
            .run_within(LIMIT);
        out.code(3);
        for needle in [" at line ", ".c:", "routine"] {
            assert!(!out.stderr.contains(needle), "{url}: {}", out.stderr);
        }
        if !url.contains("://") {
            out.stderr_has("not a URL: write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE");
        }
    }
}
