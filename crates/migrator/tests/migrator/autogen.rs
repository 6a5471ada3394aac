//! `migrator makemigrations` generating from schema.sql, through the real binary.

use crate::common::{Out, Project, pg, wait};

pub(super) const SCHEMA: &str = "CREATE TABLE users (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    email text NOT NULL UNIQUE\n);\n";

pub(super) fn read(p: &Project, suffix: &str) -> String {
    let name = p.files().into_iter().rev().find(|f| f.ends_with(suffix));
    match name.map(|n| std::fs::read_to_string(p.migrations().join(n))) {
        Some(Ok(s)) => s,
        other => panic!("no {suffix} file: {other:?}"),
    }
}

pub(super) fn schema(p: &Project, sql: &str) {
    if let Err(e) = std::fs::write(p.dir.path().join("schema.sql"), sql) {
        panic!("write schema.sql: {e}");
    }
}

/// Runs makemigrations and checks that the shadow databases of that process are gone.
pub(super) async fn make(p: &Project, args: &[&str]) -> Out {
    let child = p.migrator().arg("makemigrations").args(args).spawn();
    let pid = child.id();
    let out = wait(child);
    let mut c = pg::cluster().connect("postgres").await;
    let left: i64 =
        match sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE $1")
            .bind(format!("migrator_shadow_{pid}_%"))
            .fetch_one(&mut c)
            .await
        {
            Ok(n) => n,
            Err(e) => panic!("{e}"),
        };
    assert_eq!(
        left,
        0,
        "shadow databases left behind by {args:?}\n{}",
        out.all()
    );
    out
}

#[tokio::test]
async fn generates_a_proven_pair_then_finds_nothing_after_migrate() {
    let p = Project::new().await;
    schema(&p, SCHEMA);
    make(&p, &["-m", "create users"])
        .await
        .ok()
        .stdout_has("_create_users.up.sql");
    let up = read(&p, ".up.sql");
    assert!(
        up.contains("CREATE TABLE public.users (") && up.contains("proven by round trip"),
        "{up}"
    );
    assert!(read(&p, ".down.sql").contains("DROP TABLE public.users;"));
    p.migrator().arg("migrate").run().ok();
    assert!(p.table_exists("users").await);

    make(&p, &["-m", "again"])
        .await
        .ok()
        .stderr_has("No changes detected");
    make(&p, &["--check"]).await.ok();
    assert_eq!(p.files().len(), 2);

    // A change: --check fails and writes nothing, then the migration captures it.
    schema(
        &p,
        &SCHEMA.replace(
            "email text NOT NULL UNIQUE",
            "email text NOT NULL UNIQUE,\n    name text",
        ),
    );
    make(&p, &["--check"])
        .await
        .code(1)
        .stderr_has("has changes that no migration captures")
        .stderr_has("column public.users.name");
    assert_eq!(p.files().len(), 2);
    make(&p, &["-m", "add name"]).await.ok();
    assert!(read(&p, ".up.sql").contains("ALTER TABLE public.users ADD COLUMN name text;"));
    p.migrator().arg("migrate").run().ok();
    make(&p, &["--check"]).await.ok();
    // The generated down works against the real database too.
    p.migrator().args(["downgrade", "-1"]).run().ok();
    let mut c = p.conn().await;
    let cols: i64 = crate::common::scalar(
        &mut c,
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users'",
    )
    .await;
    assert_eq!(cols, 2);
}

#[tokio::test]
async fn lint_warns_and_strict_refuses() {
    let p = Project::new().await;
    p.add(
        1,
        "init",
        "CREATE TABLE t (id integer, legacy text);",
        Some("DROP TABLE t;"),
    );
    schema(
        &p,
        "CREATE TABLE t (id integer NOT NULL);\nCREATE INDEX t_id_idx ON t (id);\n",
    );
    let out = make(&p, &["-m", "tighten", "--strict"]).await;
    out.code(1)
        .stderr_has("--strict")
        .stderr_has("destructive: drops column public.t.legacy")
        .stderr_has("data-dependent: SET NOT NULL on public.t.id")
        .stderr_has("locking: CREATE INDEX t_id_idx");
    assert_eq!(p.files().len(), 2, "nothing written");
    let out = make(&p, &["-m", "tighten"]).await;
    out.ok()
        .stderr_has("warning: destructive: drops column public.t.legacy");
    let up = read(&p, ".up.sql");
    assert!(
        up.starts_with("-- WARNING: destructive: drops column public.t.legacy"),
        "{up}"
    );
}

#[tokio::test]
async fn without_schema_file_it_writes_an_empty_pair_and_says_so() {
    let p = Project::new().await;
    make(&p, &["-m", "manual"])
        .await
        .ok()
        .stderr_has("No schema file at");
    assert_eq!(p.files().len(), 2);
    // A gate that cannot compare fails instead of passing.
    make(&p, &["--check"])
        .await
        .code(7)
        .stderr_has("makemigrations --check has nothing to compare: there is no schema file at ")
        .stderr_has("hint: create it");
    // --empty ignores an existing schema.sql.
    schema(&p, SCHEMA);
    make(&p, &["-m", "blank", "--empty"]).await.ok();
    assert!(!read(&p, "_blank.up.sql").contains("CREATE TABLE"));
    // --schema points elsewhere (and SCHEMA_FILE does the same).
    let other = p.dir.path().join("db.sql");
    if let Err(e) = std::fs::write(&other, "CREATE TABLE other (id integer);\n") {
        panic!("{e}");
    }
    let child = p
        .migrator()
        .env("SCHEMA_FILE", &other)
        .args(["makemigrations", "-m", "from env"])
        .spawn();
    wait(child).ok();
    assert!(read(&p, "_from_env.up.sql").contains("CREATE TABLE public.other"));
}

#[tokio::test]
async fn bad_schema_and_unsupported_objects_are_refused_naming_them() {
    let p = Project::new().await;
    schema(
        &p,
        "CREATE TABLE ok (id integer);\nCREATE TABLE bad (id intger);\n",
    );
    make(&p, &["-m", "x"])
        .await
        .code(7)
        .stderr_has("schema.sql is rejected by PostgreSQL at line 2")
        .stderr_has("intger");
    schema(
        &p,
        "CREATE TABLE r (a int);\nCREATE RULE r_ins AS ON INSERT TO r DO INSTEAD NOTHING;\n",
    );
    make(&p, &["-m", "x"])
        .await
        .code(7)
        .stderr_has("cannot generate a migration for rule r_ins on public.r: it is added")
        .stderr_has("hint: ");
    schema(&p, "CREATE TABLE t (a int -- admin:renamed-from\n);\n");
    make(&p, &["-m", "x"])
        .await
        .code(7)
        .stderr_has("schema.sql:1:");
    assert!(p.files().is_empty());
}

#[tokio::test]
async fn failed_proof_writes_nothing_and_exits_8() {
    // A new enum label used in the same migration: PostgreSQL refuses ("unsafe use of new
    // value") inside the migration's transaction. The proof catches it before writing.
    let p = Project::new().await;
    p.add(
        1,
        "init",
        "CREATE TYPE mood AS ENUM ('happy');\nCREATE TABLE t (id integer);\nINSERT INTO t VALUES (1);",
        Some("DROP TABLE t; DROP TYPE mood;"),
    );
    schema(
        &p,
        "CREATE TYPE mood AS ENUM ('happy', 'sad');\nCREATE TABLE t (id integer, m mood NOT NULL DEFAULT 'sad');\n",
    );
    make(&p, &["-m", "sad"])
        .await
        .code(8)
        .stderr_has("failed its proof")
        .stderr_has("unsafe use of new value")
        .stderr_has("add the label alone first");
    assert_eq!(p.files().len(), 2, "nothing written");
    // --no-verify writes it anyway (marked as not proven).
    make(&p, &["-m", "sad", "--no-verify"]).await.ok();
    assert!(read(&p, ".up.sql").contains("NOT proven (--no-verify)"));
}

#[tokio::test]
async fn shadow_database_url_overrides_the_server_and_secrets_stay_hidden() {
    let p = Project::new().await;
    schema(&p, SCHEMA);
    let shadow = pg::cluster().url("postgres");
    let child = p
        .migrator()
        .env(
            "DATABASE_URL",
            "postgres://nobody:canary-db-pw@127.0.0.1:1/none",
        )
        .env("SHADOW_DATABASE_URL", &shadow)
        .args(["makemigrations", "-m", "via shadow"])
        .spawn();
    wait(child).ok();
    let bad = shadow.replace(pg::SUPER_PASSWORD, "canary-shadow-pw");
    let out = p
        .migrator()
        .env("SHADOW_DATABASE_URL", &bad)
        .args(["makemigrations", "-m", "x"])
        .run();
    out.code(1).stderr_has("SHADOW_DATABASE_URL");
    assert!(!out.all().contains("canary-shadow-pw"), "{}", out.all());
}

#[tokio::test]
async fn json_output_names_the_generated_files() {
    let p = Project::new().await;
    schema(&p, SCHEMA);
    let out = make(&p, &["-m", "json", "--format", "json"]).await;
    out.ok();
    let v = out.json();
    assert_eq!(v["description"], "json");
    assert!(
        v["up"]
            .as_str()
            .is_some_and(|u| u.ends_with("_json.up.sql")),
        "{v}"
    );
}

#[tokio::test]
async fn interrupted_run_exits_130_and_drops_its_shadows() {
    let p = Project::new().await;
    // schema.sql that takes a while, so the signal lands while the shadows exist.
    schema(&p, "CREATE TABLE t (id integer);\nSELECT pg_sleep(20);\n");
    // --no-cache: both shadows are temporary databases (the cached path: autogen_cache.rs).
    let child = p
        .migrator()
        .args(["makemigrations", "-m", "slow", "--no-cache"])
        .spawn();
    let pid = child.id();
    let mut c = pg::cluster().connect("postgres").await;
    let pattern = format!("migrator_shadow_{pid}_%");
    let mut seen = 0i64;
    for _ in 0..100 {
        seen = match sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE $1")
            .bind(&pattern)
            .fetch_one(&mut c)
            .await
        {
            Ok(n) => n,
            Err(e) => panic!("{e}"),
        };
        if seen >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen, 2, "both shadow databases exist while schema.sql runs");
    let target = rustix::process::Pid::from_raw(pid as i32);
    match target.map(|t| rustix::process::kill_process(t, rustix::process::Signal::INT)) {
        Some(Ok(())) => {}
        other => panic!("kill: {other:?}"),
    }
    let out = wait(child);
    out.code(130).stderr_has("interrupted");
    let left: i64 =
        match sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE $1")
            .bind(&pattern)
            .fetch_one(&mut c)
            .await
        {
            Ok(n) => n,
            Err(e) => panic!("{e}"),
        };
    assert_eq!(left, 0, "shadows dropped after the interrupt");
    assert!(p.files().is_empty());
}

/// An `int` key that becomes an identity (or gets a new sequence default) on a table that
/// already holds rows: the sequence must start past them, or the next insert collides.
#[tokio::test]
async fn new_identity_and_sequence_start_after_existing_rows() {
    let p = Project::new().await;
    p.add(
        1,
        "init",
        "CREATE TABLE t (id int PRIMARY KEY, name text);\n\
         CREATE TABLE u (id int PRIMARY KEY, name text);\n\
         INSERT INTO t VALUES (1, 'a'), (2, 'b'), (7, 'c');\n\
         INSERT INTO u VALUES (3, 'x'), (40, 'y');",
        Some("DROP TABLE t; DROP TABLE u;"),
    );
    p.migrator().arg("migrate").run().ok();
    schema(
        &p,
        "CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text);\n\
         CREATE SEQUENCE u_seq;\n\
         CREATE TABLE u (id int DEFAULT nextval('u_seq') PRIMARY KEY, name text);\n",
    );
    make(&p, &["-m", "identity"])
        .await
        .ok()
        .stderr_has("moves its sequence past the values already there");
    let up = read(&p, ".up.sql");
    assert!(up.contains("SELECT setval("), "{up}");
    p.migrator().arg("migrate").run().ok();
    let mut c = p.conn().await;
    let inserted =
        |table: &'static str| format!("INSERT INTO {table} (name) VALUES ('new') RETURNING id");
    for (table, want) in [("t", 8), ("u", 41)] {
        let id: i32 = match sqlx::query_scalar(sqlx::AssertSqlSafe(inserted(table)))
            .fetch_one(&mut c)
            .await
        {
            Ok(id) => id,
            Err(e) => panic!("insert into {table} after the migration: {e}\n{up}"),
        };
        assert_eq!(id, want, "next id of {table}");
    }
    // And back: down, then up again, still consistent.
    p.migrator().args(["downgrade"]).run().ok();
    p.migrator().arg("migrate").run().ok();
}
