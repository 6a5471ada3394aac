//! Compose layouts: anchors + merge keys + an override file, a service picked by `x-admin`,
//! running from a subdirectory; and a malformed file that stops everything.

use super::{Stack, assert_no_canary, images};
use crate::Run;

/// Base file: the shared service settings live in an anchor merged with `<<`; the API service
/// is called `backend` and named in `x-admin`. The override file adds the bind mount.
const BASE: &str = r#"x-admin:
  service: backend

x-pg-env: &pg-env
  POSTGRES_USER: ${POSTGRES_USER}
  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}
  POSTGRES_DB: ${POSTGRES_DB}

x-common: &common
  restart: "no"
  stop_grace_period: 5s

services:
  db:
    <<: *common
    image: ${DB_IMAGE}
    environment:
      <<: *pg-env
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -q -h 127.0.0.1 -U app -d app"]
      interval: 1s
      retries: 60
  backend:
    <<: *common
    image: ${API_IMAGE}
    depends_on:
      db:
        condition: service_healthy
    environment:
      DATABASE_URL: ${DATABASE_URL:?set DATABASE_URL}
      MIGRATIONS_DIR: /app/migrations
"#;

const OVERRIDE: &str = r#"services:
  backend:
    volumes:
      - ./migrations:/app/migrations
"#;

#[test]
fn anchors_override_x_admin_and_subdirectory() {
    let Some(images) = images() else { return };
    let mut s = Stack::new(images, "lay");
    s.write("compose.yaml", BASE);
    s.write("compose.override.yaml", OVERRIDE);
    s.files = vec!["compose.yaml".into(), "compose.override.yaml".into()];
    s.env.insert("COMPOSE_PROJECT_NAME".into(), s.name.clone());
    s.write_env();
    s.mkdir("migrations/nested/deeper");
    s.add_migration(
        "20260101000000_widgets",
        "CREATE TABLE widgets (id int);",
        "DROP TABLE widgets;",
    );

    // From a subdirectory: compose.yaml is found upwards, the override applies (bind mount),
    // the anchors merge (image, environment), x-admin picks `backend`.
    let sub = s.path("migrations/nested/deeper");
    // The project dir's .env (project name, images, secrets) is read although we run below it.
    let from_sub = s.admin_in(&sub).args(["--up", "db", "migrate"]);
    let out = from_sub.run();
    out.ok()
        .stderr_has("The backend container is not created; starting it")
        .stderr_has("applied 20260101000000 widgets");
    // From the project dir, everything comes from .env; the service is still `backend`.
    let current = s.admin().args(["-v", "db", "current"]).run();
    current
        .ok()
        .stdout_has("20260101000000 widgets")
        .stderr_has("service backend");
    // --service overrides x-admin: `db` has no migrator, so the exec fails to start (127).
    let wrong = s.admin().args(["--service", "db", "db", "current"]).run();
    assert!(wrong.code == 126 || wrong.code == 127, "{wrong:?}");
    wrong.stderr_has("migrator");
    assert_no_canary(&[&out, &current, &wrong]);
}

#[test]
fn malformed_compose_file_names_file_line_col_and_runs_nothing() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let body = "services:\n  api:\n    image: x\n   environment: [oops\n";
    assert!(std::fs::write(dir.path().join("compose.yaml"), body).is_ok());
    let out = Run::bin(env!("CARGO_BIN_EXE_admin"))
        .env_remove("COMPOSE_FILE")
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .current_dir(dir.path())
        .args(["db", "migrate"])
        .run();
    out.code(10).stderr_has("compose.yaml:4:");
    // It stopped before Docker: the bogus DOCKER_HOST was never dialled.
    assert!(!out.stderr.contains("nonexistent"), "{}", out.stderr);

    // No compose file at all: code 10, names what was searched.
    let empty = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let none = Run::bin(env!("CARGO_BIN_EXE_admin"))
        .env_remove("COMPOSE_FILE")
        .current_dir(empty.path())
        .args(["db", "history"])
        .run();
    none.code(10).stderr_has("compose.yaml").stderr_has("hint:");
}

#[test]
fn docker_unreachable_is_named() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let body = "services:\n  api:\n    image: x\n";
    assert!(std::fs::write(dir.path().join("compose.yaml"), body).is_ok());
    let out = Run::bin(env!("CARGO_BIN_EXE_admin"))
        .env_remove("COMPOSE_FILE")
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .current_dir(dir.path())
        .args(["db", "history"])
        .run();
    out.code(11)
        .stderr_has("/nonexistent/docker.sock")
        .stderr_has("hint:");
}

/// env_check without Docker: every source of the service's environment, `${VAR:?}` failures
/// as rows (not an abort), empty values as failures unless `.env.example` marks them optional,
/// DATABASE_URL required in the container.
#[test]
fn env_check_reads_every_source_and_shows_required_failures_as_rows() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let write =
        |name: &str, body: &str| assert!(std::fs::write(dir.path().join(name), body).is_ok());
    write(
        "compose.yaml",
        "services:\n  api:\n    image: x\n    env_file: [.env.api]\n    environment:\n      SECRET_KEY: ${SECRET_KEY:?set SECRET_KEY in .env}\n      TOKEN: ${TOKEN:?}\n      OPTIONAL_FLAG: ${OPTIONAL_FLAG}\n",
    );
    write(".env", "TOKEN=t0k\nOPTIONAL_FLAG=\nEMPTY_ONE=\n");
    write(".env.api", "DATABASE_URL=postgres://u:pw-9f3@db/app\n");
    write(
        ".env.example",
        "SECRET_KEY=\nTOKEN=\n# optional\nOPTIONAL_FLAG=\nEMPTY_ONE=\n",
    );
    let run = || {
        Run::bin(env!("CARGO_BIN_EXE_admin"))
            .env_remove("COMPOSE_FILE")
            .env_remove("SECRET_KEY")
            .env_remove("TOKEN")
            .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
            .current_dir(dir.path())
            .args(["db", "env_check"])
            .run()
    };
    let out = run();
    out.code(1)
        .stdout_has("SECRET_KEY")
        .stdout_has("compose (${SECRET_KEY:?} at compose.yaml:6:")
        .stdout_has("TOKEN")
        .stdout_has("EMPTY_ONE")
        .stderr_has("not set: EMPTY_ONE, SECRET_KEY")
        .stderr_has("Docker is not reachable");
    let row = |name: &str| {
        out.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(row("DATABASE_URL").contains(" ok "), "{}", out.stdout);
    assert!(row("OPTIONAL_FLAG").contains(" ok "), "{}", out.stdout);
    assert!(row("TOKEN").contains(" ok "), "{}", out.stdout);
    assert!(row("SECRET_KEY").contains("missing"), "{}", out.stdout);
    assert!(!out.all().contains("pw-9f3") && !out.all().contains("t0k"));

    // The service does not pass DATABASE_URL, nor SHADOW_DATABASE_URL that the host sets for
    // a project with schema.sql: both named, with the way to pass them.
    write(".env.api", "OTHER=1\n");
    write(
        ".env",
        "TOKEN=t0k\nOPTIONAL_FLAG=\nEMPTY_ONE=x\nSECRET_KEY=s\nDATABASE_URL=postgres://u:pw-9f3@db/app\nSHADOW_DATABASE_URL=postgres://u:pw-9f3@shadow/postgres\n",
    );
    write("schema.sql", "CREATE TABLE t (id int);\n");
    let out = run();
    out.code(1)
        .stderr_has("not set: DATABASE_URL, SHADOW_DATABASE_URL")
        .stderr_has("pass DATABASE_URL, SHADOW_DATABASE_URL into the api service");
    assert!(!out.all().contains("pw-9f3"));
}

/// `reset` is confirmed on the host before anything else: without a terminal, `--yes` is
/// required (exit 2, nothing runs: Docker is not even dialled).
#[test]
fn reset_without_a_terminal_needs_yes() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    assert!(
        std::fs::write(
            dir.path().join("compose.yaml"),
            "services:\n  api:\n    image: x\n"
        )
        .is_ok()
    );
    let out = Run::bin(env!("CARGO_BIN_EXE_admin"))
        .env_remove("COMPOSE_FILE")
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .current_dir(dir.path())
        .args(["db", "reset"])
        .run();
    out.code(2)
        .stderr_has("nothing was changed")
        .stderr_has("hint: confirm it: admin db reset --yes");
    assert!(!out.stderr.contains("docker.sock"), "{}", out.stderr);
}

#[test]
fn completions_and_help() {
    let bash = Run::bin(env!("CARGO_BIN_EXE_admin"))
        .args(["completions", "bash"])
        .run();
    bash.ok()
        .stdout_has("_admin()")
        .stdout_has("makemigrations")
        .stdout_has("env_check");
    let help = Run::bin(env!("CARGO_BIN_EXE_admin")).arg("--help").run();
    help.ok()
        .stdout_has("Examples:")
        .stdout_has("12 container not running");
    let sub = Run::bin(env!("CARGO_BIN_EXE_admin"))
        .args(["db", "downgrade", "--help"])
        .run();
    sub.ok()
        .stdout_has("-N (N steps back, default -1), VERSION")
        .stdout_has("`base` or `zero`");
    let bad = Run::bin(env!("CARGO_BIN_EXE_admin"))
        .args(["db", "frobnicate"])
        .run();
    bad.code(2).stderr_has("frobnicate");
}
