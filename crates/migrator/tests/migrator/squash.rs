//! `migrator squash`: the replaced files give way to one proven pair at TO's version; a
//! database that applied them sees it as applied and its next migrate rewrites the bookkeeping
//! to what sqlx expects; a new database applies only the squash; a database that applied some
//! of them is refused; data statements need `--concat`.

use sha2::{Digest, Sha384};

use crate::common::{Project, pg, scalar};
use crate::schema_diff::oracle;

/// `pg_dump --schema-only`, normalised (the schema_diff oracle's).
fn normalized_dump(url: &str) -> Vec<String> {
    match oracle::normalized_dump(url) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

/// users, posts (FK + index), a column, tags: four reversible migrations.
fn history(p: &Project) {
    p.add(
        1,
        "users",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);",
        Some("DROP TABLE users;"),
    );
    p.add(
        2,
        "posts",
        "CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));\nCREATE INDEX posts_user ON posts (user_id);",
        Some("DROP TABLE posts;"),
    );
    p.add(
        3,
        "title",
        "ALTER TABLE posts ADD title text NOT NULL DEFAULT '';",
        Some("ALTER TABLE posts DROP title;"),
    );
    p.add(
        4,
        "tags",
        "CREATE TABLE tags (post_id bigint REFERENCES posts (id), label text);",
        Some("DROP TABLE tags;"),
    );
}

fn sha384(bytes: &[u8]) -> Vec<u8> {
    Sha384::digest(bytes).to_vec()
}

fn read(p: &Project, name: &str) -> Vec<u8> {
    std::fs::read(p.migrations().join(name)).unwrap_or_default()
}

/// Every row of `_sqlx_migrations` of `url`: version, description, checksum, success.
async fn rows(url: &str) -> Vec<(i64, String, Vec<u8>, bool)> {
    let mut c = pg::connect(url).await;
    match sqlx::query_as(
        "SELECT version, description, checksum, success FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut c)
    .await
    {
        Ok(v) => v,
        Err(e) => panic!("read _sqlx_migrations: {e}"),
    }
}

async fn installed_on(url: &str, version: i64) -> chrono::DateTime<chrono::Utc> {
    let mut c = pg::connect(url).await;
    match sqlx::query_scalar("SELECT installed_on FROM _sqlx_migrations WHERE version = $1")
        .bind(version)
        .fetch_one(&mut c)
        .await
    {
        Ok(v) => v,
        Err(e) => panic!("installed_on of {version}: {e}"),
    }
}

#[tokio::test]
async fn a_squash_is_applied_where_its_migrations_were_and_alone_elsewhere() {
    let p = Project::new().await;
    history(&p);
    let old: Vec<Vec<u8>> = ["1_users.up.sql", "2_posts.up.sql", "3_title.up.sql"]
        .iter()
        .map(|n| read(&p, n))
        .collect();
    // A: at head before the squash. C: only 2 of the 3 replaced migrations.
    p.migrator().arg("migrate").run().ok();
    let at_3 = installed_on(&p.url, 3).await;
    let c_url = pg::cluster().create_db().await;
    p.migrator()
        .env("DATABASE_URL", &c_url)
        .args(["migrate", "2"])
        .run()
        .ok();
    // E: at head, but migration 2 ran with another file than the one the squash replaces.
    let e_url = pg::cluster().create_db().await;
    p.migrator()
        .env("DATABASE_URL", &e_url)
        .arg("migrate")
        .run()
        .ok();
    let mut e = pg::connect(&e_url).await;
    if let Err(err) =
        sqlx::raw_sql("UPDATE _sqlx_migrations SET checksum = '\\x00' WHERE version = 2")
            .execute(&mut e)
            .await
    {
        panic!("{err}");
    }

    let out = p
        .migrator()
        .args(["squash", "1", "3", "-m", "base schema"])
        .run();
    out.ok()
        .stderr_has("Squashed 3 migration(s) into migration 3 (replaces 1, 2, 3)")
        .stdout_has("3_base_schema.up.sql");
    assert_eq!(
        p.files(),
        [
            "3_base_schema.down.sql",
            "3_base_schema.up.sql",
            "4_tags.down.sql",
            "4_tags.up.sql"
        ]
    );
    let up = read(&p, "3_base_schema.up.sql");
    let text = String::from_utf8_lossy(&up).into_owned();
    for (i, sql) in old.iter().enumerate() {
        let hex: String = sha384(sql).iter().map(|b| format!("{b:02x}")).collect();
        let line = format!("-- admin:replaces {} {hex}", i + 1);
        assert!(text.contains(&line), "{line} missing:\n{text}");
    }
    assert!(text.contains("CREATE INDEX posts_user"), "{text}");

    // (a) history: the squash applied, no missing rows; the table is not touched by reading.
    let h = p.migrator().args(["--format", "json", "history"]).run();
    assert_eq!(h.ok().json_column("state"), ["applied", "applied"]);
    assert_eq!(p.recorded().await, [1, 2, 3, 4]);
    p.migrator().arg("migrate").run().ok().stderr_has(
        "recorded squash 3 (base schema) as applied in _sqlx_migrations (replaced 3 rows: 1, 2, 3)",
    );
    let sum_4 = sha384(&read(&p, "4_tags.up.sql"));
    assert_eq!(
        rows(&p.url).await,
        [
            (3, "base schema".to_string(), sha384(&up), true),
            (4, "tags".to_string(), sum_4, true)
        ]
    );
    assert_eq!(
        installed_on(&p.url, 3).await,
        at_3,
        "TO's installed_on is kept"
    );
    let again = p.migrator().arg("migrate").run();
    again.ok().stderr_has("No migrations to apply");
    assert!(!again.all().contains("recorded squash"), "{}", again.all());
    p.migrator().arg("drift").run().ok().stderr_has("No drift");

    // (b) a new database applies the squash and the rest: the same schema as A.
    let b_url = pg::cluster().create_db().await;
    p.migrator()
        .env("DATABASE_URL", &b_url)
        .arg("migrate")
        .run()
        .ok();
    assert_eq!(rows(&b_url).await, rows(&p.url).await);
    assert_eq!(normalized_dump(&b_url), normalized_dump(&p.url));

    // (c) C applied 1 and 2 of 1..=3: an integrity error, nothing run.
    p.migrator()
        .env("DATABASE_URL", &c_url)
        .arg("migrate")
        .run()
        .code(6)
        .stderr_has("migration 3 squashes 3 migration(s), but this database applied only some of them: 1, 2 applied, 3 not")
        .stderr_has("migrator migrate 3")
        .stderr_has("migrator downgrade base");
    assert_eq!(rows(&c_url).await.len(), 2);
    p.migrator()
        .env("DATABASE_URL", &e_url)
        .arg("migrate")
        .run()
        .code(6)
        .stderr_has("applied migration 2 is replaced by squash 3, but it ran with another file");
    assert_eq!(rows(&e_url).await.len(), 4, "nothing rewritten");

    // A: the squash reverts as one migration, and comes back.
    p.migrator().args(["downgrade", "base"]).run().ok();
    assert!(p.recorded().await.is_empty());
    assert!(!p.table_exists("users").await);
    p.migrator().arg("migrate").run().ok();
    assert_eq!(p.recorded().await, [3, 4]);
    assert_eq!(normalized_dump(&b_url), normalized_dump(&p.url));
}

#[tokio::test]
async fn data_statements_need_concat_which_keeps_them() {
    let p = Project::new().await;
    p.add(
        1,
        "kinds",
        // No `;` at the end: the concatenation must still keep the statements apart.
        "CREATE TABLE kinds (id int PRIMARY KEY, name text NOT NULL)",
        Some("DROP TABLE kinds"),
    );
    p.add(
        2,
        "seed",
        "-- the kinds every install needs\nINSERT INTO kinds VALUES (1, 'a'), (2, 'b');",
        Some("DELETE FROM kinds WHERE id IN (1, 2);"),
    );
    p.add(
        3,
        "more",
        "ALTER TABLE kinds ADD note text;\nUPDATE kinds SET note = name;",
        Some("ALTER TABLE kinds DROP note;"),
    );
    p.migrator().arg("migrate").run().ok();
    let before = p.files();
    p.migrator()
        .args(["squash", "3", "-m", "kinds"])
        .run()
        .code(7)
        .stderr_has("2_seed.up.sql:2:1")
        .stderr_has("holds a data statement (INSERT at line 2)")
        .stderr_has("migrator squash 3 -m \"…\" --concat");
    assert_eq!(p.files(), before, "nothing written");

    p.migrator()
        .args(["squash", "3", "-m", "kinds", "--concat"])
        .run()
        .ok();
    assert_eq!(p.files(), ["3_kinds.down.sql", "3_kinds.up.sql"]);
    let up = String::from_utf8_lossy(&read(&p, "3_kinds.up.sql")).into_owned();
    assert!(
        up.contains("-- from 2_seed.up.sql\n-- the kinds every install needs\nINSERT INTO kinds"),
        "{up}"
    );
    // The database that ran the old files keeps its data and records the squash.
    p.migrator()
        .arg("migrate")
        .run()
        .ok()
        .stderr_has("replaced 3 rows");
    assert_eq!(p.recorded().await, [3]);
    // A new database gets the data from the squash.
    let fresh = pg::cluster().create_db().await;
    p.migrator()
        .env("DATABASE_URL", &fresh)
        .arg("migrate")
        .run()
        .ok();
    let mut c = pg::connect(&fresh).await;
    let notes: i64 = scalar(&mut c, "SELECT count(*) FROM kinds WHERE note = name").await;
    assert_eq!(notes, 2);
    p.migrator()
        .env("DATABASE_URL", &fresh)
        .args(["downgrade", "base"])
        .run()
        .ok();
    let left: bool = scalar(&mut c, "SELECT to_regclass('kinds') IS NULL").await;
    assert!(left, "the concatenated downs ran in reverse");
}

/// Up-only histories (sqlx's default): `--concat` generates the way back, proven the same.
#[tokio::test]
async fn concat_without_down_files_generates_the_down_script() {
    let p = Project::new().await;
    p.add(
        1,
        "kinds",
        "CREATE TABLE kinds (id int PRIMARY KEY, name text);",
        None,
    );
    p.add(2, "seed", "INSERT INTO kinds VALUES (1, 'a');", None);
    p.add(
        3,
        "tags",
        "CREATE TABLE tags (kind int REFERENCES kinds);",
        None,
    );
    p.migrator().arg("migrate").run().ok();
    p.migrator()
        .args(["squash", "3", "-m", "base", "--concat"])
        .run()
        .ok();
    assert_eq!(p.files(), ["3_base.down.sql", "3_base.up.sql"]);
    let down = String::from_utf8_lossy(&read(&p, "3_base.down.sql")).into_owned();
    assert!(
        down.contains("-- generated: not every replaced migration has a down file"),
        "{down}"
    );
    assert!(down.contains("DROP TABLE public.tags"), "{down}");
    p.migrator()
        .arg("migrate")
        .run()
        .ok()
        .stderr_has("replaced 3 rows");
    p.migrator().args(["downgrade", "base"]).run().ok();
    let mut c = p.conn().await;
    let gone: bool = scalar(
        &mut c,
        "SELECT to_regclass('kinds') IS NULL AND to_regclass('tags') IS NULL",
    )
    .await;
    assert!(gone, "the generated down reverted the squash");
    p.migrator().arg("migrate").run().ok();
    let seeded: i64 = scalar(&mut c, "SELECT count(*) FROM kinds").await;
    assert_eq!(seeded, 1, "the concatenated up keeps the data statement");
}

#[tokio::test]
async fn a_squash_from_a_later_version_keeps_what_comes_before() {
    let p = Project::new().await;
    history(&p);
    p.migrator().arg("migrate").run().ok();
    // D: at head too; it goes back below the squash without a migrate first.
    let d_url = pg::cluster().create_db().await;
    p.migrator()
        .env("DATABASE_URL", &d_url)
        .arg("migrate")
        .run()
        .ok();
    // F: at head too; stamp rewrites its rows first, then records what it is asked to.
    let f_url = pg::cluster().create_db().await;
    p.migrator()
        .env("DATABASE_URL", &f_url)
        .arg("migrate")
        .run()
        .ok();
    p.migrator()
        .args(["squash", "2", "4", "-m", "posts and tags"])
        .run()
        .ok()
        .stderr_has("replaces 2, 3, 4");
    assert_eq!(
        p.files(),
        [
            "1_users.down.sql",
            "1_users.up.sql",
            "4_posts_and_tags.down.sql",
            "4_posts_and_tags.up.sql"
        ]
    );
    let up = String::from_utf8_lossy(&read(&p, "4_posts_and_tags.up.sql")).into_owned();
    assert!(!up.contains("-- admin:replaces 1 "), "{up}");
    assert!(up.contains("-- admin:replaces 4 "), "{up}");
    assert!(!up.contains("CREATE TABLE users"), "{up}");
    p.migrator()
        .arg("migrate")
        .run()
        .ok()
        .stderr_has("replaced 3 rows: 2, 3, 4");
    assert_eq!(p.recorded().await, [1, 4]);
    let fresh = pg::cluster().create_db().await;
    p.migrator()
        .env("DATABASE_URL", &fresh)
        .arg("migrate")
        .run()
        .ok();
    assert_eq!(normalized_dump(&fresh), normalized_dump(&p.url));

    // The squash reverts as one migration where the rows were not rewritten yet.
    p.migrator()
        .env("DATABASE_URL", &d_url)
        .args(["downgrade", "1"])
        .run()
        .ok()
        .stderr_has("recorded squash 4 (posts and tags)")
        .stderr_has("reverted 4 posts and tags");
    assert_eq!(
        rows(&d_url).await.iter().map(|r| r.0).collect::<Vec<_>>(),
        [1]
    );
    let mut c = pg::connect(&d_url).await;
    let gone: bool = scalar(&mut c, "SELECT to_regclass('posts') IS NULL").await;
    assert!(gone);

    p.migrator()
        .env("DATABASE_URL", &f_url)
        .args(["stamp", "1"])
        .run()
        .ok()
        .stderr_has("recorded squash 4");
    assert_eq!(
        rows(&f_url).await.iter().map(|r| r.0).collect::<Vec<_>>(),
        [1]
    );

    // A no-transaction migration cannot be squashed.
    p.write(
        "5_concurrently.up.sql",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY users_id ON users (id);",
    );
    p.write("5_concurrently.down.sql", "DROP INDEX users_id;");
    p.migrator()
        .args(["squash", "5", "-m", "x"])
        .run()
        .code(7)
        .stderr_has(
            "5_concurrently.up.sql is a `-- no-transaction` migration: it cannot be squashed",
        );

    // Ranges that are not one: a single migration, an unknown version.
    p.migrator()
        .args(["squash", "4", "4", "-m", "x"])
        .run()
        .code(7)
        .stderr_has("a squash replaces at least 2");
    p.migrator()
        .args(["squash", "9", "-m", "x"])
        .run()
        .code(7)
        .stderr_has("TO 9 is not the version of a migration file");
}

/// What users read: the squash, history and migrate after it, the refusals.
#[tokio::test]
async fn what_squash_prints() {
    let p = Project::new().await;
    history(&p);
    let mut t = testkit::Transcript::default();
    let mut run = |args: &[&str], url: &str| {
        let out = p.migrator().env("DATABASE_URL", url).args(args).run();
        t.add(&format!("migrator {}", args.join(" ")), &out);
        out
    };
    let partial = pg::cluster().create_db().await;
    run(&["migrate", "2"], &partial).ok();
    run(&["migrate"], &p.url).ok();
    p.write(
        "3_title.up.sql",
        "ALTER TABLE posts ADD title text NOT NULL DEFAULT '';\nUPDATE posts SET title = 'x';\n",
    );
    run(&["squash", "1", "3", "-m", "base"], &p.url).code(7);
    p.write(
        "3_title.up.sql",
        "ALTER TABLE posts ADD title text NOT NULL DEFAULT '';",
    );
    run(&["squash", "3", "-m", "base schema"], &p.url).ok();
    run(&["history"], &p.url).ok();
    run(&["migrate"], &p.url).ok();
    run(&["--format", "json", "history"], &p.url).ok();
    run(&["migrate"], &partial).code(6);
    run(&["history"], &partial).ok();
    run(&["squash", "3", "-m", "x"], &p.url).code(7);
    let dir = p.dir.path().display().to_string();
    testkit::snapshot_settings(&[(&dir, "[DIR]")]).bind(|| {
        insta::assert_snapshot!("migrator_squash", t.text());
    });
}
