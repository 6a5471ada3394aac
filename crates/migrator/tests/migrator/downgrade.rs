use crate::common::Project;

async fn five() -> Project {
    let p = Project::new().await;
    for v in 1..=5 {
        p.add(
            v,
            &format!("t{v}"),
            &format!("CREATE TABLE t{v} ();"),
            Some(&format!("DROP TABLE t{v};")),
        );
    }
    p.migrator().arg("migrate").run().ok();
    assert_eq!(p.recorded().await, vec![1, 2, 3, 4, 5]);
    p
}

#[tokio::test]
async fn one_step_by_default_then_three() {
    let p = five().await;
    p.migrator()
        .arg("downgrade")
        .run()
        .ok()
        .stderr_has("reverted 5 t5");
    assert_eq!(p.recorded().await, vec![1, 2, 3, 4]);
    assert!(!p.table_exists("t5").await && p.table_exists("t4").await);
    p.migrator()
        .args(["downgrade", "-3"])
        .run()
        .ok()
        .stderr_has("Reverted 3 migrations");
    assert_eq!(p.recorded().await, vec![1]);
    assert!(!p.table_exists("t2").await && p.table_exists("t1").await);
    p.migrator()
        .args(["downgrade", "-2"])
        .run()
        .code(7)
        .stderr_has("only 1 migration(s) are applied");
    assert_eq!(p.recorded().await, vec![1]);
}

#[tokio::test]
async fn to_a_version_and_to_zero() {
    let p = five().await;
    p.migrator().args(["downgrade", "2"]).run().ok();
    assert_eq!(p.recorded().await, vec![1, 2]);
    assert!(p.table_exists("t2").await && !p.table_exists("t3").await);
    p.migrator().args(["downgrade", "zero"]).run().ok();
    assert!(p.recorded().await.is_empty());
    assert!(!p.table_exists("t1").await);
    // And up again: the round trip works.
    p.migrator().arg("migrate").run().ok();
    assert_eq!(p.recorded().await, vec![1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn missing_down_file_refuses_up_front() {
    let p = five().await;
    assert!(std::fs::remove_file(p.migrations().join("3_t3.down.sql")).is_ok());
    let out = p.migrator().args(["downgrade", "-3"]).run();
    out.code(7)
        .stderr_has("migration 3 (t3) has no down file")
        .stderr_has("3_t3.down.sql");
    // Nothing was reverted, not even 5 and 4 which have down files.
    assert_eq!(p.recorded().await, vec![1, 2, 3, 4, 5]);
    assert!(p.table_exists("t5").await);
}

#[tokio::test]
async fn failing_down_keeps_the_migration() {
    let p = five().await;
    p.write("5_t5.down.sql", "DROP TABLE t5;\nSELECT * FROM nope;");
    let out = p.migrator().arg("downgrade").run();
    out.code(5).stderr_has("5_t5.down.sql").stderr_has("line 2");
    assert_eq!(p.recorded().await, vec![1, 2, 3, 4, 5]);
    assert!(p.table_exists("t5").await, "the down script rolled back");
}
