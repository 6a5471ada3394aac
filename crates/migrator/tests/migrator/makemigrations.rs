use crate::common::{Project, Run};

#[tokio::test]
async fn names_slugs_and_monotonic_versions() {
    let p = Project::new().await;
    let first = p
        .migrator()
        .args(["makemigrations", "-m", "Add Users!!"])
        .run();
    first.ok();
    let names = p.files();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].ends_with("_add_users.down.sql") && names[1].ends_with("_add_users.up.sql"));
    let v1: i64 = names[0]
        .split('_')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert_eq!(v1.to_string().len(), 14, "YYYYMMDDHHMMSS version: {v1}");
    // Paths are printed on stdout.
    first.stdout_has(&format!("{v1}_add_users.up.sql"));

    // Same second, same message: a strictly greater version, nothing overwritten.
    p.migrator()
        .args(["makemigrations", "-m", "Add Users!!"])
        .run()
        .ok();
    p.migrator().arg("makemigrations").run().ok(); // default message "init"
    let names = p.files();
    assert_eq!(names.len(), 6, "{names:?}");
    let mut versions: Vec<i64> = names
        .iter()
        .filter(|n| n.ends_with(".up.sql"))
        .filter_map(|n| n.split('_').next().and_then(|v| v.parse().ok()))
        .collect();
    let sorted = versions.clone();
    versions.dedup();
    assert_eq!(versions.len(), 3, "distinct versions: {names:?}");
    assert_eq!(versions, sorted);
    assert!(names.iter().any(|n| n.ends_with("_init.up.sql")));

    // The header is a comment and the file is valid for migrate.
    let up = std::fs::read_to_string(p.migrations().join(&names[1])).unwrap_or_default();
    assert!(up.starts_with("-- "), "{up}");
    p.migrator().arg("migrate").run().ok();
    assert_eq!(p.recorded().await.len(), 3);
}

#[tokio::test]
async fn version_follows_a_newer_existing_one_and_slug_is_safe() {
    let p = Project::new().await;
    p.add(99990101000000, "future", "select 1;", Some("select 1;"));
    let out = p
        .migrator()
        .args(["makemigrations", "-m", "../../etc/passwd; rm -rf / $(x)"])
        .run();
    out.ok();
    let names = p.files();
    assert!(
        names.contains(&"99990101000001_etc_passwd_rm_rf_x.up.sql".to_string()),
        "{names:?}"
    );
    // Nothing was written outside the folder.
    assert!(!p.dir.path().join("etc").exists());
}

#[tokio::test]
async fn json_output_and_created_folder() {
    let p = Project::new().await;
    let dir = p.dir.path().join("fresh/migrations");
    let out = Run::bin(env!("CARGO_BIN_EXE_migrator"))
        .arg("--migrations-dir")
        .arg(&dir)
        .args([
            "--format",
            "json",
            "makemigrations",
            "-m",
            "create items",
            "--empty",
        ])
        .run();
    out.ok();
    let v = out.json();
    assert_eq!(v["description"], "create items");
    let up = v["up"].as_str().unwrap_or_default();
    assert!(
        up.ends_with("_create_items.up.sql") && std::path::Path::new(up).exists(),
        "{v}"
    );
}
