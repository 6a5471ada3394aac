//! `migrator reset`: every object dropped (other schemas too, data included) and every
//! migration applied again; `public` keeps its owner and privileges; refused without `--yes`
//! when there is no terminal, and always for a database whose name says production.

use sqlx::AssertSqlSafe;

use crate::common::{Project, pg, scalar};

#[tokio::test]
async fn reset_drops_everything_and_migrates_again() {
    let p = Project::new().await;
    p.add(
        1,
        "items",
        "CREATE TABLE items (id int PRIMARY KEY);",
        Some("DROP TABLE items;"),
    );
    p.add(
        2,
        "tags",
        "CREATE TABLE tags (id int PRIMARY KEY);",
        Some("DROP TABLE tags;"),
    );
    p.migrator().arg("migrate").run().ok();
    p.sql(
        "INSERT INTO items VALUES (1), (2); CREATE TABLE by_hand (x int); \
         CREATE SCHEMA extra; CREATE TABLE extra.t (y int);",
    )
    .await;
    let privileges = "SELECT pg_get_userbyid(nspowner) || ':' || coalesce(nspacl::text, '') \
                      FROM pg_namespace WHERE nspname = 'public'";
    let mut c = p.conn().await;
    let before: String = scalar(&mut c, privileges).await;

    // No terminal and no --yes: refused, nothing changed.
    p.migrator()
        .arg("reset")
        .run()
        .code(2)
        .stderr_has("nothing was changed")
        .stderr_has("reset --yes");
    assert!(p.table_exists("by_hand").await);

    let reset = p.migrator().args(["reset", "--yes"]).run();
    reset
        .ok()
        .stderr_has("Dropped every object of database")
        .stderr_has("Applied 2 migrations");
    assert!(!p.table_exists("by_hand").await);
    assert_eq!(p.recorded().await, vec![1, 2]);
    let mut c = p.conn().await;
    let rows: i64 = scalar(&mut c, "SELECT count(*) FROM items").await;
    assert_eq!(rows, 0, "the data went too");
    let extra: i64 = scalar(
        &mut c,
        "SELECT count(*) FROM pg_namespace WHERE nspname = 'extra'",
    )
    .await;
    assert_eq!(extra, 0);
    let after: String = scalar(&mut c, privileges).await;
    assert_eq!(after, before, "public keeps its owner and privileges");
}

#[tokio::test]
async fn a_production_database_is_never_reset() {
    let name = format!("shop_production_{}", std::process::id());
    let mut admin = pg::cluster().connect("postgres").await;
    if let Err(e) = sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
    {
        panic!("{e}");
    }
    let p = Project::new().await;
    p.add(
        1,
        "items",
        "CREATE TABLE items (id int);",
        Some("DROP TABLE items;"),
    );
    let url = pg::cluster().url(&name);
    let out = p
        .migrator()
        .env("DATABASE_URL", &url)
        .args(["reset", "--yes"])
        .run();
    out.code(2)
        .stderr_has("says `production`")
        .stderr_has("nothing was changed");
    let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE {name}")))
        .execute(&mut admin)
        .await;
}
