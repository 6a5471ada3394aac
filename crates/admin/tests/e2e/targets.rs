//! Where the migrator runs (issue 11): the running container, a one-off container when there is
//! none (and always with --run), --up that starts what is down without recreating anything,
//! the one-off removed on every path (success, error, Ctrl-C), an image without the migrator.

use super::{Stack, assert_no_canary, images};

/// The ids of the project's service containers, with their state.
fn ids(s: &Stack) -> Vec<(String, String)> {
    s.services()
        .into_iter()
        .map(|(service, id, _)| (service, id))
        .collect()
}

fn state_of(s: &Stack, service: &str) -> String {
    s.services()
        .into_iter()
        .find(|c| c.0 == service)
        .map(|c| c.2)
        .unwrap_or_else(|| "absent".to_owned())
}

#[test]
fn one_off_runs_up_restarts_and_nothing_is_recreated() {
    let Some(images) = images() else { return };
    let s = Stack::reference(images, "tgt");
    s.add_migration(
        "20260101000000_t",
        "CREATE TABLE t (id int);\n",
        "DROP TABLE t;\n",
    );
    s.compose_ok(&["up", "-d"]);
    let before = ids(&s);
    assert_eq!(before.len(), 3, "{before:?}");

    // api and db stopped: --up starts both through the Engine API (db first: api depends on
    // it), the same containers, and migrates.
    s.compose_ok(&["stop", "-t", "2", "api", "db"]);
    let up = s.admin().args(["--up", "db", "migrate"]).run();
    up.ok()
        .stderr_has("service db was exited")
        .stderr_has("service api was exited")
        .stderr_has("applied 20260101000000");
    assert_eq!(ids(&s), before, "no container was recreated");
    for service in ["api", "db", "shadow"] {
        assert_eq!(state_of(&s, service), "running", "{service}");
    }

    // --run while api runs: a one-off container anyway, removed afterwards.
    let run = s.admin().args(["--run", "db", "current"]).run();
    run.ok()
        .stderr_has("Using a one-off container of service api (--run)")
        .stdout_has("20260101000000");
    assert_eq!(s.oneoffs(), 0);

    // An error inside the one-off: the migrator's code passes through, the container is gone.
    let bad = s.admin().args(["--run", "db", "sqlmigrate", "42"]).run();
    assert_ne!(bad.code, 0, "{}", bad.all());
    assert_eq!(s.oneoffs(), 0);

    // api stopped, no flag: a one-off container; api stays stopped, db (running) untouched.
    s.compose_ok(&["stop", "-t", "2", "api"]);
    let oneoff = s.admin().args(["db", "history"]).run();
    oneoff
        .ok()
        .stderr_has("the api service has no running container (exited)")
        .stdout_has("20260101000000");
    assert_eq!(state_of(&s, "api"), "exited");
    assert_eq!(ids(&s), before);

    // db stopped too: a one-off run starts it first (as `compose run` does), same container.
    s.compose_ok(&["stop", "-t", "2", "db"]);
    let deps = s.admin().args(["db", "current"]).run();
    deps.ok().stderr_has("service db was exited");
    assert_eq!(state_of(&s, "db"), "running");
    assert_eq!(ids(&s), before);

    // Ctrl-C during a one-off run: the container is killed and removed, exit 130.
    let child = s
        .admin()
        .args(["--run", "db", "shell", "--", "sleep", "60"])
        .spawn();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while s.oneoffs() == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(s.oneoffs(), 1, "the one-off container runs");
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        assert!(rustix::process::kill_process(pid, rustix::process::Signal::INT).is_ok());
    }
    let interrupted = crate::wait(child);
    interrupted
        .code(130)
        .stderr_has("the container was killed and removed");
    assert_eq!(s.oneoffs(), 0);

    // An image without the migrator (or a wrong ADMIN_MIGRATOR): 127 and what to do, both
    // in a one-off container and in the running one.
    for flags in [&["--run"][..], &["--up"][..]] {
        let missing = s
            .admin()
            .env("ADMIN_MIGRATOR", "/usr/local/bin/no-migrator")
            .args(flags)
            .args(["db", "current"])
            .run();
        missing
            .code(127)
            .stderr_has("cannot start the migrator `/usr/local/bin/no-migrator`")
            .stderr_has("ADMIN_MIGRATOR=")
            .stderr_has("x-admin: {migrator:");
        assert_eq!(s.oneoffs(), 0);
    }
    assert_no_canary(&[&up, &run, &bad, &oneoff, &deps, &interrupted]);
}

#[test]
fn one_off_gets_env_file_networks_and_volumes_of_the_service() {
    let Some(images) = images() else { return };
    let s = Stack::new(images, "tgv");
    // DATABASE_URL reaches the api only through env_file; api is on a named network with db;
    // a named volume is mounted. Nothing is running before the first command.
    s.write(
        "compose.yaml",
        &format!(
            "services:\n  db:\n    image: {db}\n    environment: {{POSTGRES_USER: app, POSTGRES_PASSWORD: \"${{POSTGRES_PASSWORD}}\", POSTGRES_DB: app}}\n    networks: [back]\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -q -h 127.0.0.1 -U app -d app\"]\n      interval: 1s\n      retries: 60\n  api:\n    image: {api}\n    env_file: [.env.api]\n    environment: [NO_SUCH_VAR]\n    networks: [back]\n    volumes: [\"scratch:/scratch\"]\n    depends_on: {{db: {{condition: service_healthy}}}}\nnetworks:\n  back:\nvolumes:\n  scratch:\n",
            db = images.db,
            api = images.api
        ),
    );
    s.write(
        ".env.api",
        &format!(
            "DATABASE_URL=postgres://app:{}@db:5432/app\n",
            super::CANARY
        ),
    );
    let mut s = s;
    s.files.push("compose.yaml".into());
    s.env.retain(|k, _| k == "POSTGRES_PASSWORD");
    s.env.insert("COMPOSE_PROJECT_NAME".into(), s.name.clone());
    s.write_env();

    let env = s.admin().args(["db", "env_check"]).run();
    env.ok()
        .stdout_has("DATABASE_URL")
        .stderr_has("none is running");
    let current = s.admin().args(["db", "current"]).run();
    current
        .ok()
        .stderr_has("Using a one-off container of service api");
    let net = std::process::Command::new("docker")
        .args(["network", "inspect", &format!("{}_back", s.name)])
        .output();
    assert!(net.is_ok_and(|o| o.status.success()), "network created");
    let vol = std::process::Command::new("docker")
        .args(["volume", "inspect", &format!("{}_scratch", s.name)])
        .output();
    assert!(vol.is_ok_and(|o| o.status.success()), "volume created");
    let shell = s
        .admin()
        .args([
            "db",
            "shell",
            "--",
            "sh",
            "-c",
            "test -d /scratch && echo mounted",
        ])
        .run();
    shell.ok().stdout_has("mounted");
    assert_eq!(s.oneoffs(), 0);
    assert_eq!(state_of(&s, "db"), "running");
    assert_eq!(state_of(&s, "api"), "absent");

    // The service does not pass DATABASE_URL at all: env_check fails and says how.
    s.write(".env.api", "OTHER=1\n");
    let not_passed = s.admin().args(["db", "env_check"]).run();
    not_passed
        .code(1)
        .stderr_has("not set: DATABASE_URL")
        .stderr_has("pass DATABASE_URL into the api service");
    assert_no_canary(&[&env, &current, &shell, &not_passed]);
}
