//! The replay cache of `makemigrations` (`migrator_cache_<hash>`, `migrator_cache_blank_<hash>`) and
//! `--no-cache`, through the real binary.

use migrator::files;
use migrator::schema::cache;

use super::autogen::{make, read, schema};
use crate::common::{Project, pg, wait};

/// Text that makes a project's migrations (hence its cache key) unlike any other test's.
fn marker() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

/// The role the tests connect as (cache entries are per role).
fn role() -> String {
    match url::Url::parse(&pg::cluster().base_url) {
        Ok(u) => u.username().to_string(),
        Err(e) => panic!("{e}"),
    }
}

fn cache_name(p: &Project) -> String {
    match files::scan(&p.migrations()) {
        Ok(m) => cache::name(&role(), &m),
        Err(e) => panic!("scan: {e}"),
    }
}

/// The oid of database `name`, if it exists.
async fn oid(name: &str) -> Option<i64> {
    let mut c = pg::cluster().connect("postgres").await;
    match sqlx::query_scalar("SELECT oid::int8 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut c)
        .await
    {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

async fn count(c: &mut sqlx::PgConnection, sql: &str, bind: &str) -> i64 {
    match sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(bind)
        .fetch_one(c)
        .await
    {
        Ok(n) => n,
        Err(e) => panic!("{sql}: {e}"),
    }
}

const USERS: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)";

#[tokio::test]
async fn second_run_reads_the_cache_and_a_changed_migration_invalidates_it() {
    let p = Project::new().await;
    let m = marker();
    let init = format!("{USERS};\nCOMMENT ON TABLE users IS 'cache {m}';\n");
    p.add(1, "init", &init, Some("DROP TABLE users;"));
    let with_name = format!("{USERS};\nCOMMENT ON TABLE users IS 'cache {m}';\n")
        .replace("email text NOT NULL", "email text NOT NULL, name text");
    schema(&p, &with_name);
    let key = cache_name(&p);
    assert_eq!(oid(&key).await, None, "no cache before the first run");

    make(&p, &["--check", "-v"])
        .await
        .code(1)
        .stderr_has("column public.users.name")
        .stderr_has("migrations replayed, now cached");
    let first = oid(&key).await;
    assert!(first.is_some(), "the replayed state was stored as {key}");
    // Hold a connection: a concurrent test's pruning cannot drop the entry meanwhile.
    let mut held = pg::cluster().connect(&key).await;

    make(&p, &["--check", "-v"])
        .await
        .code(1)
        .stderr_has("column public.users.name")
        .stderr_has("migrations from the cache");
    assert_eq!(
        oid(&key).await,
        first,
        "a hit reuses the database, no replay"
    );
    // The same schema.sql twice in a row: its database is stored too, and read next time.
    let skey = cache::schema_name(&role(), &with_name);
    assert!(oid(&skey).await.is_some(), "schema.sql stored as {skey}");

    // The proof runs on the cache entry and leaves it as it was.
    make(&p, &["-m", "add name", "-v"])
        .await
        .ok()
        .stderr_has("proof in")
        .stderr_has("migrations from the cache");
    assert!(read(&p, ".up.sql").contains("ADD COLUMN name text"));
    let cols = count(
        &mut held,
        "SELECT count(*) FROM information_schema.columns WHERE table_name = $1",
        "users",
    )
    .await;
    assert_eq!(cols, 2, "the proof's changes were rolled back");

    // Two migrations now: a new key, replayed once, and nothing left to generate.
    let key2 = cache_name(&p);
    assert_ne!(key2, key);
    make(&p, &["--check", "-v"])
        .await
        .ok()
        .stderr_has("No changes detected")
        .stderr_has("migrations replayed, now cached");

    // Editing an applied migration's file changes the key: the stale state is not used.
    let init_file = p
        .files()
        .into_iter()
        .find(|f| f.ends_with("_init.up.sql"))
        .unwrap_or_default();
    p.write(
        &init_file,
        &init.replace("email text NOT NULL", "email text NOT NULL, nick text"),
    );
    let key3 = cache_name(&p);
    assert_ne!(key3, key2);
    make(&p, &["--check", "-v"])
        .await
        .code(1)
        .stderr_has("column public.users.nick")
        .stderr_has("migrations replayed, now cached");
    // (Not asserted: that key3 still exists. Concurrent tests storing 3 newer entries prune it.)
}

#[tokio::test]
async fn a_schema_that_comes_back_after_another_one_is_stored() {
    let p = Project::new().await;
    let m = marker();
    let first = format!("{USERS};\nCOMMENT ON TABLE users IS 'back {m}';\n");
    let other = format!("{USERS};\nCOMMENT ON TABLE users IS 'other {m}';\n");
    let (key, other_key) = (
        cache::schema_name(&role(), &first),
        cache::schema_name(&role(), &other),
    );
    for text in [&first, &other] {
        schema(&p, text);
        make(&p, &["--check"])
            .await
            .code(1)
            .stderr_has("table public.users");
    }
    assert_eq!(oid(&key).await, None, "asked for once: not stored");
    schema(&p, &first);
    make(&p, &["--check"])
        .await
        .code(1)
        .stderr_has("table public.users");
    assert!(
        oid(&key).await.is_some(),
        "asked for again with another schema.sql in between: stored as {key}"
    );
    assert_eq!(oid(&other_key).await, None, "asked for once: not stored");
}

#[tokio::test]
async fn no_cache_leaves_no_database_behind() {
    let p = Project::new().await;
    let m = marker();
    p.add(
        1,
        "init",
        &format!("{USERS};\nCOMMENT ON TABLE users IS 'no cache {m}';\n"),
        Some("DROP TABLE users;"),
    );
    schema(
        &p,
        &format!(
            "{USERS};\nCOMMENT ON TABLE users IS 'no cache {m}';\nCREATE INDEX ON users (email);\n"
        ),
    );
    let out = make(&p, &["-m", "index", "--no-cache", "-v"]).await;
    out.ok().stderr_has("proof in");
    assert!(!out.all().contains("cache"), "{}", out.all());
    assert!(read(&p, ".up.sql").contains("CREATE INDEX users_email_idx"));
    assert_eq!(oid(&cache_name(&p)).await, None);
}

#[tokio::test]
async fn a_failing_replay_leaves_neither_a_temporary_database_nor_a_cache_entry() {
    let p = Project::new().await;
    p.add(
        1,
        "bad",
        &format!("-- {}\nCREATE TABLE t (id intger);\n", marker()),
        None,
    );
    schema(&p, "CREATE TABLE t (id integer);\n");
    // make() checks that no migrator_shadow_<pid>_* database is left.
    make(&p, &["-m", "x"])
        .await
        .code(7)
        .stderr_has("replaying migration")
        .stderr_has("intger");
    assert_eq!(oid(&cache_name(&p)).await, None);
    assert!(p.files().len() == 1, "nothing written");
}

#[tokio::test]
async fn a_replay_failing_while_schema_sql_gets_its_database_leaves_no_database() {
    // With --no-cache both halves create a temporary database at the same time; the replay
    // fails at once, which drops the other half mid-CREATE DATABASE. Repeated, as the race
    // is a matter of milliseconds.
    let p = Project::new().await;
    p.add(1, "bad", "CREATE TABLE t (id intger);\n", None);
    schema(&p, "CREATE TABLE t (id integer);\n");
    for _ in 0..16 {
        // make() checks that no migrator_shadow_<pid>_* database is left.
        make(&p, &["-m", "x", "--no-cache"])
            .await
            .code(7)
            .stderr_has("intger");
    }
    assert_eq!(p.files().len(), 1, "nothing written");
}

#[tokio::test]
async fn interrupted_replay_leaves_no_temporary_database_nor_busy_backend() {
    let p = Project::new().await;
    let m = marker();
    p.add(
        1,
        "slow",
        &format!("-- {m}\nCREATE TABLE t (id integer);\nSELECT pg_sleep(20);\n"),
        None,
    );
    // schema.sql also sleeps, in the blank database's rolled-back transaction.
    schema(
        &p,
        &format!("-- {m}\nCREATE TABLE t (id integer);\nSELECT pg_sleep(21);\n"),
    );
    let child = p.migrator().args(["makemigrations", "-m", "slow"]).spawn();
    let pid = child.id();
    let mut c = pg::cluster().connect("postgres").await;
    let temp = format!("migrator_shadow_{pid}_%");
    let busy = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1";
    let blank_sleep = format!("%{m}%pg_sleep(21)%");
    let mut ready = false;
    for _ in 0..100 {
        let temps = count(
            &mut c,
            "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
            &temp,
        )
        .await;
        let sleeping = count(&mut c, busy, &blank_sleep).await;
        if temps == 1 && sleeping == 1 {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        ready,
        "the replay database and the blank load exist while they sleep"
    );
    let target = rustix::process::Pid::from_raw(pid as i32);
    match target.map(|t| rustix::process::kill_process(t, rustix::process::Signal::INT)) {
        Some(Ok(())) => {}
        other => panic!("kill: {other:?}"),
    }
    wait(child).code(130).stderr_has("interrupted");
    let temps = count(
        &mut c,
        "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
        &temp,
    )
    .await;
    assert_eq!(temps, 0, "the temporary database was dropped");
    assert_eq!(oid(&cache_name(&p)).await, None, "no cache entry");
    let mut sleeping = 1;
    for _ in 0..50 {
        sleeping = count(&mut c, busy, &blank_sleep).await;
        if sleeping == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(sleeping, 0, "the blank database's backend was ended");
    assert!(p.files().len() == 1, "nothing written");
}

#[tokio::test]
async fn schema_sql_that_cannot_run_in_a_transaction_falls_back_to_a_temporary_database() {
    let p = Project::new().await;
    p.add(
        1,
        "init",
        &format!("-- {}\nCREATE TABLE t (id integer);\n", marker()),
        Some("DROP TABLE t;"),
    );
    // One statement that refuses a transaction block (SQLSTATE 25001): the blank database's
    // rolled-back load cannot take it, a temporary database can.
    schema(&p, "VACUUM");
    make(&p, &["-m", "drop t"])
        .await
        .ok()
        .stderr_has("destructive: drops table public.t");
    assert!(read(&p, ".up.sql").contains("DROP TABLE public.t;"));
}
