//! Temporary shadow databases of dead runs are dropped by later runs (never those of a live
//! run), and the cache works for every role that uses the shadow server.

use std::time::Duration;

use super::autogen::{make, read, schema};
use crate::common::{Project, pg, wait};

async fn count(sql: &str, bind: &str) -> i64 {
    let mut c = pg::cluster().connect("postgres").await;
    match sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(bind)
        .fetch_one(&mut c)
        .await
    {
        Ok(n) => n,
        Err(e) => panic!("{sql}: {e}"),
    }
}

async fn temp_dbs(pid: u32) -> i64 {
    count(
        "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
        &format!("migrator\\_shadow\\_{pid}\\_%"),
    )
    .await
}

/// Waits until makemigrations `pid` has a temporary database and a backend running `marker`.
async fn wait_until_replaying(pid: u32, marker: &str) {
    for _ in 0..200 {
        let sleeping = count(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1",
            &format!("%{marker}%"),
        )
        .await;
        if temp_dbs(pid).await >= 1 && sleeping >= 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("makemigrations {pid} never got to its slow replay");
}

fn marker(tag: &str) -> String {
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

fn slow_project(p: &Project, m: &str, seconds: u32) {
    p.add(
        1,
        "slow",
        &format!("-- {m}\nCREATE TABLE t (id int);\nSELECT pg_sleep({seconds});\n"),
        Some("DROP TABLE t;"),
    );
    schema(p, "CREATE TABLE t (id int);\nCREATE TABLE u ();\n");
}

#[tokio::test]
async fn a_later_run_drops_the_temporary_databases_of_a_killed_run() {
    let p = Project::new().await;
    let m = marker("killed");
    slow_project(&p, &m, 120);
    let child = p
        .migrator()
        .args(["makemigrations", "-m", "x", "--no-cache"])
        .spawn();
    let pid = child.id();
    wait_until_replaying(pid, &m).await;
    let mut child = child;
    if let Err(e) = child.kill() {
        panic!("kill -9: {e}");
    }
    let _ = wait(child);
    assert!(temp_dbs(pid).await >= 1, "the killed run left its database");

    // Any later run, here another project's.
    let other = Project::new().await;
    schema(&other, "CREATE TABLE elsewhere ();\n");
    make(&other, &["--check"]).await.code(1);
    assert_eq!(
        temp_dbs(pid).await,
        0,
        "the dead run's database was dropped"
    );
    let busy = count(
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1",
        &format!("%{m}%"),
    )
    .await;
    assert_eq!(busy, 0, "its backend was ended");
    assert_eq!(p.files().len(), 2, "nothing written by the killed run");
}

#[tokio::test]
async fn a_later_run_leaves_the_databases_of_a_live_run_alone() {
    let p = Project::new().await;
    let m = marker("alive");
    slow_project(&p, &m, 4);
    let child = p
        .migrator()
        .args(["makemigrations", "-m", "slow one", "--no-cache"])
        .spawn();
    let pid = child.id();
    wait_until_replaying(pid, &m).await;
    let other = Project::new().await;
    schema(&other, "CREATE TABLE elsewhere ();\n");
    make(&other, &["--check"]).await.code(1);
    assert!(
        temp_dbs(pid).await >= 1,
        "the live run's database is still there"
    );
    wait(child).ok().stdout_has("_slow_one.up.sql");
    assert!(read(&p, ".up.sql").contains("CREATE TABLE public.u"));
    assert_eq!(temp_dbs(pid).await, 0);
}

/// A role that may log in and create databases, and its URL for `db`.
async fn role(name: &str, db: &str) -> String {
    let cluster = pg::cluster();
    let mut admin = cluster.connect("postgres").await;
    let sql = format!("CREATE ROLE {name} LOGIN CREATEDB PASSWORD 'pw-{name}'");
    if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
    {
        panic!("{e}");
    }
    format!(
        "postgres://{name}:pw-{name}@{}:{}/{db}",
        cluster.host, cluster.port
    )
}

/// Drops the databases `name` owns (its cache entries), then the role.
async fn drop_role(name: &str) {
    let mut admin = pg::cluster().connect("postgres").await;
    let dbs: Vec<String> = match sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = $1)",
    )
    .bind(name)
    .fetch_all(&mut admin)
    .await
    {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    };
    for db in dbs {
        let sql = format!("DROP DATABASE \"{db}\" WITH (FORCE)");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await;
    }
    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP ROLE {name}")))
        .execute(&mut admin)
        .await;
}

#[tokio::test]
async fn cache_databases_made_by_one_role_do_not_break_another() {
    let p = Project::new().await;
    let db = p.url.rsplit('/').next().unwrap_or_default().to_string();
    let pid = std::process::id();
    let (a, b) = (format!("cache_a_{pid}"), format!("cache_b_{pid}"));
    let (url_a, url_b) = (role(&a, &db).await, role(&b, &db).await);
    let m = marker("roles");
    p.add(
        1,
        "init",
        &format!("CREATE TABLE users (id int);\nCOMMENT ON TABLE users IS '{m}';\n"),
        Some("DROP TABLE users;"),
    );
    // A blank database under A's name that A cannot create objects in (the superuser made
    // it): permission denied there is not schema.sql's fault, A's own database decides.
    let foreign_blank = migrator::schema::cache::blank(&a);
    let mut su = pg::cluster().connect("postgres").await;
    let create = format!("CREATE DATABASE {foreign_blank} TEMPLATE template0");
    if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut su)
        .await
    {
        panic!("{e}");
    }
    schema(
        &p,
        &format!(
            "CREATE TABLE users (id int, email text);\nCOMMENT ON TABLE users IS '{m}';\n-- first\n"
        ),
    );
    p.migrator()
        .env("DATABASE_URL", &url_a)
        .args(["makemigrations", "--check"])
        .run()
        .code(1)
        .stderr_has("column public.users.email")
        .stderr_has(&format!("{foreign_blank} cannot be used by role {a}"));
    let drop = format!("DROP DATABASE {foreign_blank}");
    if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
        .execute(&mut su)
        .await
    {
        panic!("{e}");
    }
    // Alternating, each with a schema.sql text not seen before (so it is loaded into the blank
    // database), then each once more with the last text (read from the cache entries).
    let text = |i: usize| {
        format!(
            "CREATE TABLE users (id int, email text);\nCOMMENT ON TABLE users IS '{m}';\n-- run {i}\n"
        )
    };
    for (i, url) in [&url_a, &url_b, &url_a, &url_b, &url_a, &url_b]
        .iter()
        .enumerate()
    {
        schema(&p, &text(i.min(3)));
        p.migrator()
            .env("DATABASE_URL", url)
            .args(["makemigrations", "--check"])
            .run()
            .code(1)
            .stderr_has("column public.users.email");
    }
    p.migrator()
        .env("DATABASE_URL", &url_b)
        .args(["makemigrations", "-m", "email"])
        .run()
        .ok();
    assert!(read(&p, ".up.sql").contains("ADD COLUMN email text"));
    drop_role(&a).await;
    drop_role(&b).await;
}
