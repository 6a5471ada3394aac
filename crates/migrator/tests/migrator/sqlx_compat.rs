//! sqlx agrees with us on the same folder and database, both ways.

use sqlx::migrate::Migrator;

use crate::common::{Project, scalar};

fn folder(p: &Project) {
    p.add(
        20260101000000,
        "create_users",
        "CREATE TABLE users (id int);",
        Some("DROP TABLE users;"),
    );
    p.add(
        20260102000000,
        "add_email",
        "ALTER TABLE users ADD email text;",
        Some("ALTER TABLE users DROP email;"),
    );
    p.write("20260103000000_simple_one.sql", "CREATE TABLE simple ();");
}

#[tokio::test]
async fn sqlx_finds_nothing_to_do_after_we_migrated() {
    let p = Project::new().await;
    folder(&p);
    p.migrator().arg("migrate").run().ok();
    let mut c = p.conn().await;
    let before: i64 = scalar(&mut c, "SELECT count(*) FROM _sqlx_migrations").await;
    let migrator = match Migrator::new(p.migrations()).await {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    // Validates checksums of every applied migration and would fail on any mismatch.
    if let Err(e) = migrator.run(&mut c).await {
        panic!("sqlx disagrees: {e}");
    }
    let after: i64 = scalar(&mut c, "SELECT count(*) FROM _sqlx_migrations").await;
    assert_eq!((before, after), (3, 3));
    // sqlx can revert what we applied (same table semantics).
    if let Err(e) = migrator.undo(&mut c, 20260101000000).await {
        panic!("sqlx undo: {e}");
    }
    assert_eq!(p.recorded().await, vec![20260101000000, 20260103000000]);
}

#[tokio::test]
async fn we_find_nothing_to_do_after_sqlx_migrated() {
    let p = Project::new().await;
    folder(&p);
    let mut c = p.conn().await;
    let migrator = match Migrator::new(p.migrations()).await {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    if let Err(e) = migrator.run(&mut c).await {
        panic!("{e}");
    }
    p.migrator()
        .arg("migrate")
        .run()
        .ok()
        .stderr_has("No migrations to apply");
    let h = p.migrator().args(["--format", "json", "history"]).run();
    assert_eq!(
        h.ok().json_column("state"),
        ["applied", "applied", "applied"]
    );
    p.migrator()
        .args(["downgrade", "-1"])
        .run()
        .code(7)
        .stderr_has("simple, irreversible")
        .stderr_has("hint: record the database as being at the version below without running anything: migrator stamp 20260102000000");
}

#[tokio::test]
async fn sqlx_accepts_the_table_once_a_squash_is_recorded() {
    let p = Project::new().await;
    folder(&p);
    p.migrator().arg("migrate").run().ok();
    p.migrator()
        .args(["squash", "20260102000000", "-m", "users"])
        .run()
        .ok();
    // The one migrate sqlx needs before it runs on this database: the bookkeeping rewritten.
    p.migrator()
        .arg("migrate")
        .run()
        .ok()
        .stderr_has("replaced 2 rows");
    let mut c = p.conn().await;
    let migrator = match Migrator::new(p.migrations()).await {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    // sqlx validates every applied row against the files: the squash's checksum, no row of a
    // version without a file.
    if let Err(e) = migrator.run(&mut c).await {
        panic!("sqlx disagrees after the squash: {e}");
    }
    assert_eq!(p.recorded().await, vec![20260102000000, 20260103000000]);
    // And sqlx reverts the squash as one migration.
    if let Err(e) = migrator.undo(&mut c, 0).await {
        panic!("sqlx undo: {e}");
    }
    assert!(!p.table_exists("users").await);
}
