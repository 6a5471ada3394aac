//! The reference stack driven through `admin`, step by step, as a user would.

use std::os::unix::fs::MetadataExt;

use super::{CANARY, Stack, assert_no_canary, images};

/// Compose v1 made the project (db, shadow): every container admin creates later is made by
/// v1 too (v2 would recreate v1's containers), and nothing is recreated.
#[test]
fn reference_stack_whole_flow_compose_v1() {
    whole_flow(false);
}

/// Nothing exists yet and Compose v2 is installed: admin creates what it needs with v2.
#[test]
fn reference_stack_whole_flow_compose_v2() {
    whole_flow(true);
}

/// `docker compose version` works (under CI=true it must: scripts/setup.sh installs it).
fn has_compose_v2() -> bool {
    let ok = std::process::Command::new("docker")
        .args(["compose", "version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || !super::in_ci(),
        "CI=true but `docker compose` (v2) is not installed"
    );
    ok
}

fn whole_flow(v2: bool) {
    let Some(images) = images() else { return };
    if !has_compose_v2() {
        return;
    }
    let mut s = Stack::reference(images, if v2 { "flow2" } else { "flow1" });
    s.compose_v2 = v2;
    let cli = if v2 {
        "docker compose "
    } else {
        "docker-compose "
    };
    if !v2 {
        s.compose_ok(&["up", "-d", "db", "shadow"]);
    }

    // No api container yet: the migrator runs in a one-off container of api, after api's
    // dependencies (db, shadow) run — created by v2 when nothing existed, or already there
    // (v1); api itself is not created, and no one-off container is left behind.
    let first = s.admin().args(["db", "history"]).run();
    first.ok().stderr_has(
        "Using a one-off container of service api (the api service has no running container (not created))",
    );
    if v2 {
        first.stderr_has("docker compose -f compose/docker-compose.yml");
        first.stderr_has("up -d --no-recreate db shadow");
    } else {
        assert!(!first.stderr.contains("Creating"), "{}", first.stderr);
    }
    let services = s.services();
    let names: Vec<&str> = services.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, vec!["db", "shadow"], "{services:?}");
    assert_eq!(s.oneoffs(), 0, "the one-off container was removed");

    // --up starts the api (created by the project's Compose CLI with --no-recreate) and waits
    // for its health; db and shadow are the same containers as before.
    let up = s.admin().args(["--up", "db", "history"]).run();
    up.ok()
        .stderr_has("is ready")
        .stderr_has(&format!("Creating api (no container yet): {cli}"));
    let after = s.services();
    for (service, id, _) in &services {
        assert!(
            after
                .iter()
                .any(|(s2, id2, state)| s2 == service && id2 == id && state == "running"),
            "{service} was recreated or stopped: {after:?}"
        );
    }

    // env_check: host and container, words only.
    let env = s.admin().args(["db", "env_check"]).run();
    env.ok()
        .stdout_has("DATABASE_URL")
        .stdout_has("set       set")
        .stdout_has("SHADOW_DATABASE_URL   set       set")
        .stderr_has("All 7 required variables are set and reach the api container.");

    // makemigrations: the migrator sends the pair back, admin writes it on the host (the
    // reference stack has no bind mounts) and prints host paths.
    let made = s
        .admin()
        .args(["db", "makemigrations", "-m", "create items"])
        .run();
    made.ok().stdout_has("migrations/");
    let ups: Vec<_> = std::fs::read_dir(s.path("migrations"))
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert_eq!(ups.len(), 2, "{ups:?}");
    for p in &ups {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert!(
            made.stdout.contains(&format!("migrations/{name}")),
            "{}",
            made.stdout
        );
    }
    assert!(
        !made.all().contains("/app/"),
        "no container path: {}",
        made.all()
    );
    // The shadow databases went to the stack's scratch `shadow` server (tmpfs, durability
    // off), never to `db`.
    let shadow_dbs = "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database \
                      WHERE datname LIKE 'migrator%'";
    let on_shadow = s.psql("shadow", "postgres", shadow_dbs);
    assert!(on_shadow.contains("migrator_cache_blank"), "{on_shadow}");
    assert_eq!(s.psql("db", "postgres", shadow_dbs).trim(), "");
    assert_eq!(s.psql("shadow", "postgres", "SHOW fsync").trim(), "off");
    // The files are the caller's.
    s.admin()
        .args(["db", "makemigrations", "-m", "second", "--empty"])
        .run()
        .ok();
    let mine = rustix::process::getuid().as_raw();
    let owned_by_me = std::fs::read_dir(s.path("migrations"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().contains("_second."))
                .filter(|e| e.metadata().is_ok_and(|m| m.uid() == mine))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(owned_by_me, 2);

    // The first migration was generated from schema.sql (the models) and proven.
    let up_file = ups
        .iter()
        .find(|p| p.to_string_lossy().ends_with("_create_items.up.sql"))
        .cloned()
        .unwrap_or_default();
    let up_sql = std::fs::read_to_string(&up_file).unwrap_or_default();
    assert!(up_sql.contains("CREATE TABLE public.items"), "{up_sql}");
    let migrate = s.admin().args(["-v", "db", "migrate"]).run();
    migrate
        .ok()
        .stderr_has("create items (")
        .stderr_has("Applied 2 migrations");
    // The autogenerate loop: change the models, generate, migrate; then nothing is left.
    let schema = std::fs::read_to_string(s.path("schema.sql")).unwrap_or_default();
    s.write(
        "schema.sql",
        &format!("{schema}\nCREATE INDEX items_name_idx ON items (name);\n"),
    );
    s.admin()
        .args(["db", "makemigrations", "--check"])
        .run()
        .code(1);
    s.admin()
        .args(["db", "makemigrations", "-m", "index item names"])
        .run()
        .ok()
        .stdout_has("_index_item_names.up.sql");
    s.admin().args(["db", "migrate"]).run().ok();
    s.admin()
        .args(["db", "makemigrations", "-m", "again"])
        .run()
        .ok()
        .stderr_has("No changes detected");
    let history = s.admin().args(["db", "history"]).run();
    history
        .ok()
        .stdout_has("create items")
        .stdout_has("applied");
    let json = s.admin().args(["--format", "json", "db", "history"]).run();
    assert_eq!(
        json.ok().json_column("state"),
        ["applied", "applied", "applied"]
    );

    // -f, -p and COMPOSE_FILE from the real environment reach the same container.
    s.admin()
        .args([
            "-f",
            "compose/docker-compose.yml",
            "-p",
            &s.name,
            "db",
            "current",
        ])
        .run()
        .ok()
        .stdout_has("index item names");
    s.admin()
        .env("COMPOSE_FILE", "compose/docker-compose.yml")
        .env("COMPOSE_PROJECT_NAME", &s.name)
        .args(["db", "current"])
        .run()
        .ok()
        .stdout_has("index item names");

    // A failing migration: the migrator's code comes back through admin, with its message.
    s.add_migration(
        "29990101000000_broken",
        "CREATE TABLE half (id int);\nSELECT * FROM missing_table;\n",
        "DROP TABLE half;",
    );
    let failed = s.admin().args(["db", "migrate"]).run();
    failed
        .code(5)
        .stderr_has("29990101000000_broken.up.sql")
        .stderr_has("line 2")
        .stderr_has("hint: fix the file, then run: admin db migrate");

    // downgrade through admin.
    for f in ["up", "down"] {
        let path = s.path(&format!("migrations/29990101000000_broken.{f}.sql"));
        assert!(std::fs::remove_file(path).is_ok());
    }
    s.admin()
        .args(["db", "downgrade", "zero"])
        .run()
        .ok()
        .stderr_has("Reverted 3 migrations");

    // Piped shell: no TTY, stdin copied then closed.
    let shell = s
        .admin()
        .args(["db", "shell"])
        .stdin_bytes(b"echo hi\nexit 4\n")
        .run();
    shell.code(4).stdout_has("hi");
    s.admin()
        .args(["db", "shell", "--", "sh", "-c", "echo from-cmd; exit 6"])
        .run()
        .code(6)
        .stdout_has("from-cmd");

    // Ctrl-C: admin stops waiting, says the command may still run in the container, exits 130.
    let child = s.admin().args(["db", "shell", "--", "sleep", "30"]).spawn();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let pid = rustix::process::Pid::from_raw(child.id() as i32);
    if let Some(pid) = pid {
        assert!(rustix::process::kill_process(pid, rustix::process::Signal::INT).is_ok());
    }
    let started = std::time::Instant::now();
    let interrupted = crate::wait(child);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    interrupted
        .code(130)
        .stderr_has("may still be running")
        .stderr_has("cannot stop an exec");

    // env_check with a variable missing: exit 1 and it is named; no value ever printed.
    let example = std::fs::read_to_string(s.path(".env.example")).unwrap_or_default();
    s.write(
        ".env.example",
        &format!("{example}\nEXTRA_REQUIRED_TOKEN=\n"),
    );
    let missing = s.admin().args(["db", "env_check"]).run();
    missing
        .code(1)
        .stdout_has("EXTRA_REQUIRED_TOKEN  missing")
        .stderr_has("not set: EXTRA_REQUIRED_TOKEN");
    let missing_json = s
        .admin()
        .args(["--format", "json", "db", "env_check"])
        .run();
    assert_eq!(missing_json.code, 1);
    assert_eq!(missing_json.json()["missing"][0], "EXTRA_REQUIRED_TOKEN");

    assert_no_canary(&[
        &first,
        &up,
        &env,
        &made,
        &migrate,
        &history,
        &failed,
        &shell,
        &missing,
        &missing_json,
    ]);
    assert!(!CANARY.is_empty());
}
