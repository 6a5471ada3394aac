//! Input at the edges: a schema path that does not exist, a target that is already current,
//! a version that leaves no room for another one.

use crate::common::Project;

#[tokio::test]
async fn an_explicit_schema_path_that_does_not_exist_is_an_error() {
    let p = Project::new().await;
    let missing = p.dir.path().join("shcema.sql");
    for check in [true, false] {
        let mut args = vec!["makemigrations", "-m", "x", "--schema"];
        let shown = missing.display().to_string();
        args.push(&shown);
        if check {
            args.push("--check");
        }
        p.migrator()
            .args(&args)
            .run()
            .code(7)
            .stderr_has(&format!("schema file {shown} does not exist"))
            .stderr_has("hint:");
        // The same path through SCHEMA_FILE.
        let mut env_args = vec!["makemigrations", "-m", "x"];
        if check {
            env_args.push("--check");
        }
        p.migrator()
            .env("SCHEMA_FILE", &missing)
            .args(&env_args)
            .run()
            .code(7)
            .stderr_has(&shown);
    }
    assert!(p.files().is_empty(), "nothing written: {:?}", p.files());
    // Nothing configured and no schema.sql beside the folder: an empty pair, as before.
    p.migrator()
        .args(["makemigrations", "-m", "empty"])
        .run()
        .ok()
        .stderr_has("writing an empty migration");
    assert_eq!(p.files().len(), 2);
}

#[tokio::test]
async fn migrate_to_the_current_version_is_a_no_op() {
    let p = Project::new().await;
    p.add(1, "a", "CREATE TABLE a ();", Some("DROP TABLE a;"));
    p.add(2, "b", "CREATE TABLE b ();", Some("DROP TABLE b;"));
    p.add(3, "c", "CREATE TABLE c ();", Some("DROP TABLE c;"));
    p.migrator().args(["migrate", "2"]).run().ok();
    p.migrator()
        .args(["migrate", "2"])
        .run()
        .ok()
        .stderr_has("No migrations to apply (database at 2)");
    assert_eq!(p.recorded().await, vec![1, 2], "3 stays pending");
    // An older applied version still points at downgrade.
    p.migrator()
        .args(["migrate", "1"])
        .run()
        .code(7)
        .stderr_has("hint: to go back to it, run: migrator downgrade 1");
}

#[tokio::test]
async fn a_version_at_the_top_of_the_range_leaves_no_room() {
    let p = Project::new().await;
    p.add(
        i64::MAX,
        "top",
        "CREATE TABLE top ();",
        Some("DROP TABLE top;"),
    );
    let before = p.files();
    p.migrator()
        .args(["makemigrations", "--empty", "-m", "next"])
        .run()
        .code(7)
        .stderr_has(&format!("{}_top.up.sql", i64::MAX))
        .stderr_has("no version is left after it")
        .stderr_has("hint:");
    assert_eq!(p.files(), before, "nothing written");
}
