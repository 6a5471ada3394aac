//! The Alembic/Django targets through `admin` and the container's migrator: the same parser
//! (refusals name `admin db …`), plans and history rendered by admin with host paths.

use super::{Stack, assert_no_canary, images};

#[test]
fn alembic_and_django_targets_through_the_container() {
    let Some(images) = images() else { return };
    let s = Stack::reference(images, "vocab");
    s.admin().args(["--up", "db", "current"]).run().ok();
    for (v, t) in [(1, "a"), (2, "b"), (3, "c")] {
        s.add_migration(
            &format!("2026010100000{v}_create_{t}"),
            &format!("CREATE TABLE {t} (id int);"),
            &format!("DROP TABLE {t};"),
        );
    }
    let rows = || s.psql("db", "app", "SELECT count(*) FROM _sqlx_migrations");
    let tables = || {
        s.psql(
            "db",
            "app",
            "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'",
        )
    };

    // A refused form never reaches the container: exit 2, the forms, admin's command.
    let bad = s.admin().args(["db", "migrate", "+0"]).run();
    bad.code(2)
        .stderr_has("migrate takes `head`")
        .stderr_has("hint: admin db migrate +1");

    let plan = s.admin().args(["db", "migrate", "--plan"]).run();
    plan.ok()
        .stderr_has("Plan: 3 migration(s) would be applied, in this order")
        .stdout_has("migrations/20260101000001_create_a.up.sql");
    let json = s
        .admin()
        .args(["--format", "json", "db", "migrate", "+2", "--plan"])
        .run();
    let v = json.ok().json();
    assert_eq!(v["steps"][1]["version"], 20260101000002_i64);
    assert_eq!(
        v["steps"][1]["file"],
        "migrations/20260101000002_create_b.up.sql"
    );
    assert_eq!(tables().trim(), "", "--plan ran nothing");

    let one = s.admin().args(["db", "migrate", "+1"]).run();
    one.ok().stderr_has("Applied 1 migration");
    assert_eq!(rows().trim(), "1");
    let history = s.admin().args(["db", "history"]).run();
    let marked: Vec<&str> = history
        .ok()
        .stdout
        .lines()
        .filter(|l| l.ends_with("<- current"))
        .collect();
    assert_eq!(marked.len(), 1, "{}", history.stdout);
    assert!(
        marked[0].starts_with("20260101000001"),
        "{}",
        history.stdout
    );

    let head = s.admin().args(["db", "migrate", "head"]).run();
    head.ok().stderr_has("Applied 2 migrations");
    let base_plan = s.admin().args(["db", "downgrade", "base", "--plan"]).run();
    base_plan
        .ok()
        .stderr_has("Plan: 3 migration(s) would be reverted");
    assert_eq!(rows().trim(), "3");

    let stamp = s.admin().args(["db", "stamp", "base"]).run();
    stamp
        .ok()
        .stderr_has("Stamped base: 0 migration(s) recorded");
    assert_eq!(rows().trim(), "0");
    assert_eq!(
        tables().trim(),
        "_sqlx_migrations,a,b,c",
        "stamp changed no schema"
    );
    s.admin().args(["db", "stamp", "head"]).run().ok();
    let down = s.admin().args(["db", "downgrade", "base"]).run();
    down.ok().stderr_has("Reverted 3 migrations");
    assert_eq!(rows().trim(), "0");
    assert_eq!(tables().trim(), "_sqlx_migrations");
    assert_no_canary(&[
        &bad, &plan, &one, &history, &head, &base_plan, &stamp, &down,
    ]);
}
