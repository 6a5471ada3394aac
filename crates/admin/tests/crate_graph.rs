//! The product's invariant, as the compiler sees it: the host side cannot talk to PostgreSQL
//! and the migrator cannot talk to Docker, because their crates do not depend on the drivers.

use std::process::Command;

fn normal_deps(package: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--locked",
            "--offline",
            "-e",
            "normal",
            "-p",
            package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => panic!(
            "cargo tree -p {package} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("cannot run cargo tree: {e}"),
    }
}

fn has(tree: &str, krate: &str) -> bool {
    tree.lines().any(|l| {
        l.trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
            .starts_with(&format!("{krate} v"))
    })
}

#[test]
fn admin_has_no_database_driver_and_the_migrator_no_docker_client() {
    let admin = normal_deps("admin");
    let migrator = normal_deps("migrator");
    let protocol = normal_deps("admin-protocol");
    assert!(has(&admin, "bollard"), "the tree is read wrongly:\n{admin}");
    assert!(
        has(&migrator, "sqlx"),
        "the tree is read wrongly:\n{migrator}"
    );
    assert!(!has(&admin, "sqlx"), "admin depends on sqlx:\n{admin}");
    assert!(
        !has(&migrator, "bollard"),
        "the migrator depends on bollard:\n{migrator}"
    );
    for driver in ["sqlx", "bollard"] {
        assert!(!has(&protocol, driver), "protocol depends on {driver}");
    }
}
