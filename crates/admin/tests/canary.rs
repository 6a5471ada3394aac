//! The canary suite, admin's side (no Docker needed): a password that must never be printed
//! (`Canary-9f3e%21pw`, decoded `Canary-9f3e!pw`) sits in every credential form — URL userinfo,
//! `?password=`, `?sslpassword=`, key/value DSNs (plain and quoted), PGPASSWORD, `.env` values,
//! process environment values, interpolated Compose values, DOCKER_HOST — while the real
//! `admin` binary is driven through every Compose/.env resolution error (each one reached
//! before Docker) and, with a valid project, up to the unreachable Docker engine. Any output
//! containing `9f3e` in any spelling is a leak.

use std::path::Path;
use std::time::Duration;

use crate::{Out, Run};

const LIMIT: Duration = Duration::from_secs(30);
const CANARY: &str = "Canary-9f3e%21pw";
const CANARY_DECODED: &str = "Canary-9f3e!pw";

fn leaks(text: &str) -> Vec<&'static str> {
    let lower = text.to_ascii_lowercase();
    [
        "Canary-9f3e%21pw",
        "Canary-9f3e%2521pw",
        "Canary-9f3e!pw",
        "9f3e",
    ]
    .into_iter()
    .filter(|n| lower.contains(&n.to_ascii_lowercase()))
    .collect()
}

/// The `.env` every case starts from: the canary in every credential form.
fn dotenv() -> String {
    format!(
        "DATABASE_URL=postgres://app:{CANARY}@db/app\n\
         DB_QUERY=postgres://app@db/app?password={CANARY}\n\
         DB_SSL=postgres://app@db/app?sslmode=require&sslpassword={CANARY}\n\
         DB_DSN=host=db user=app password={CANARY} dbname=app\n\
         DB_DSN_QUOTED=\"host=db password='{CANARY} x' dbname=app\"\n\
         PGPASSWORD={CANARY_DECODED}\n\
         SECRET={CANARY}\n\
         SHADOW_DATABASE_URL=postgres://app:{CANARY}@shadow/postgres\n"
    )
}

const API: &str = "services:\n  api:\n    image: app\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n      PGPASSWORD: ${PGPASSWORD}\n      DB_DSN: ${DB_DSN}\n";

/// One case: what it breaks, the Compose file, the `.env` and extra environment variables.
struct Case {
    what: &'static str,
    compose: String,
    dotenv: String,
    env: Vec<(&'static str, String)>,
    /// Whether the case must fail before Docker (exit 10, Compose).
    compose_error: bool,
    /// An unset `${VAR:?}`: every command stops (exit 10) but env_check, which shows it as a
    /// `missing` row (exit 1) naming the variable.
    required_row: Option<&'static str>,
}

fn case(what: &'static str, compose: &str, extra_env: &str) -> Case {
    Case {
        what,
        compose: compose.to_owned(),
        dotenv: format!("{}{extra_env}", dotenv()),
        env: Vec::new(),
        compose_error: true,
        required_row: None,
    }
}

fn cases() -> Vec<Case> {
    let with_api = |extra: &str| format!("{API}{extra}");
    let mut v = vec![
        case(
            "invalid interpolation, a URL default in the file",
            &format!("services:\n  api:\n    image: ${{X:-postgres://app:{CANARY}@db/app\n"),
            "",
        ),
        case(
            "invalid interpolation after an interpolated secret",
            "services:\n  api:\n    image: ${SECRET}-${BAD NAME}\n",
            "",
        ),
        case(
            "invalid short volume from a secret",
            &with_api("    volumes:\n      - \"${SECRET}:/a:b:c\"\n"),
            "",
        ),
        case(
            "invalid short volume from a URL",
            &with_api("    volumes:\n      - \"${DATABASE_URL}:/x\"\n"),
            "",
        ),
        case(
            "invalid short volume from a DSN",
            &with_api("    volumes:\n      - \"${DB_DSN}::\"\n"),
            "",
        ),
        case(
            "boolean from a secret",
            &with_api("    healthcheck:\n      disable: ${SECRET}\n"),
            "",
        ),
        case(
            "env_file.required from a secret",
            &with_api("    env_file:\n      - path: x.env\n        required: ${DB_QUERY}\n"),
            "",
        ),
        case(
            "long volume read_only from a secret",
            &with_api(
                "    volumes:\n      - type: bind\n        source: .\n        target: /x\n        read_only: ${DB_SSL}\n",
            ),
            "",
        ),
        case(
            "required variable whose message names a secret",
            "services:\n  api:\n    image: ${NEED:?see $SECRET and ${DATABASE_URL}}\n",
            "",
        ),
        case(
            "x-admin.service from a secret",
            &format!("x-admin:\n  service: ${{SECRET}}\n{API}"),
            "",
        ),
        case(
            "x-admin unknown key whose value is a secret",
            &format!("x-admin:\n  servce: ${{SECRET}}\n{API}"),
            "",
        ),
        case(
            "null image and null environment values",
            "services:\n  api:\n    image: null\n    environment: {A: null, B: ${SECRET}}\n    user: [${SECRET}]\n",
            "",
        ),
        case("null mapping key", &with_api("    null: ${SECRET}\n"), ""),
        case(
            "YAML error after secret values",
            &with_api("    user: \"${SECRET}\n"),
            "",
        ),
        case(
            ".env: text after a quoted secret",
            API,
            &format!("BROKEN='{CANARY}' {CANARY}\n"),
        ),
        case(
            ".env: invalid interpolation in a secret",
            API,
            &format!("BROKEN=${{X:-{CANARY}\n"),
        ),
        case(
            ".env: unterminated double quote",
            API,
            &format!("BROKEN=\"{CANARY}\n"),
        ),
        case(
            ".env: a secret after a bare key",
            API,
            &format!("BROKEN {CANARY}\n"),
        ),
        case(
            ".env: required variable with a secret message",
            API,
            &format!("BROKEN=${{NEED:?{CANARY}}}\n"),
        ),
    ];
    if let Some(c) = v
        .iter_mut()
        .find(|c| c.what == "required variable whose message names a secret")
    {
        c.required_row = Some("NEED");
    }
    let mut env_case = case("COMPOSE_PROJECT_NAME is a secret", API, "");
    env_case.env = vec![("COMPOSE_PROJECT_NAME", CANARY.to_owned())];
    v.push(env_case);
    let mut env_case = case("ADMIN_SERVICE is a secret", API, "");
    env_case.env = vec![("ADMIN_SERVICE", CANARY.to_owned())];
    v.push(env_case);
    let mut env_case = case(
        ".env COMPOSE_PROJECT_NAME is a secret",
        API,
        &format!("COMPOSE_PROJECT_NAME={CANARY}\n"),
    );
    env_case.env = Vec::new();
    v.push(env_case);
    // Valid projects (a BOM in .env included): resolution succeeds, Docker is unreachable.
    let mut valid = case("valid project, unreachable Docker", API, "");
    valid.compose_error = false;
    v.push(valid);
    let mut bom = case("valid project, .env with a BOM", API, "");
    bom.dotenv = format!("\u{feff}{}", dotenv());
    bom.compose_error = false;
    v.push(bom);
    v
}

fn admin(dir: &Path, c: &Case) -> Run {
    let mut run = Run::bin(env!("CARGO_BIN_EXE_admin"))
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("ADMIN_SERVICE")
        .env_remove("ADMIN_MIGRATOR")
        .env_remove("ADMIN_FILES")
        .env_remove("ADMIN_MIGRATIONS_DIR")
        .env_remove("SHADOW_DATABASE_URL")
        .env_remove("POSTGRES_PASSWORD")
        // Every credential form in the process environment too.
        .env("PGPASSWORD", CANARY_DECODED)
        .env(
            "APP_DATABASE_URL",
            format!("postgres://app@db/app?password={CANARY}"),
        )
        .env("APP_DSN", format!("host=db password='{CANARY}'"))
        .env("DOCKER_HOST", format!("tcp://u:{CANARY}@127.0.0.1:1"))
        .current_dir(dir);
    for (k, v) in &c.env {
        run = run.env(k, v);
    }
    run
}

#[test]
fn the_canary_is_never_printed_by_admin_without_docker() {
    let commands: [&[&str]; 6] = [
        &["db", "env_check"],
        &["-v", "db", "env_check"],
        &["--format", "json", "db", "env_check"],
        &["-vv", "db", "history"],
        &["db", "migrate", "--dry-run"],
        &["db", "makemigrations", "--check"],
    ];
    let mut runs = 0;
    let mut found = Vec::new();
    let mut wrong_exit = Vec::new();
    let mut histogram = std::collections::BTreeMap::<i32, usize>::new();
    let all = cases();
    for c in &all {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let write = |name: &str, text: &str| {
            if let Err(e) = std::fs::write(dir.path().join(name), text) {
                panic!("write {name}: {e}");
            }
        };
        write("compose.yaml", &c.compose);
        write(".env", &c.dotenv);
        for cmd in commands {
            let out: Out = admin(dir.path(), c).args(cmd.iter()).run_within(LIMIT);
            runs += 1;
            *histogram.entry(out.code).or_default() += 1;
            let l = leaks(&format!("{}\n{}", out.stdout, out.stderr));
            if !l.is_empty() {
                found.push(format!(
                    "{} {cmd:?}: {l:?}\n--- stdout\n{}\n--- stderr\n{}",
                    c.what, out.stdout, out.stderr
                ));
            }
            // A Compose error is exit 10 and names the file and line, or the variable; a valid
            // project gets past Compose (env_check then checks the host only: exit 0).
            let compose_failed = out.code == 10;
            let named = [
                "compose.yaml:",
                ".env:",
                "COMPOSE_PROJECT_NAME",
                "ADMIN_SERVICE",
                "x-admin",
            ]
            .iter()
            .any(|n| out.stderr.contains(n));
            let as_row = c.required_row.filter(|_| cmd.contains(&"env_check"));
            if let Some(var) = as_row {
                let shown = out.stdout.contains(var) || out.stdout.contains(&format!("\"{var}\""));
                if out.code != 1 || !shown {
                    wrong_exit.push(format!(
                        "{} {cmd:?}: exit {} (a `missing` row for {var} expected)\n{}",
                        c.what, out.code, out.stdout
                    ));
                }
            } else if compose_failed != c.compose_error || (c.compose_error && !named) {
                wrong_exit.push(format!(
                    "{} {cmd:?}: exit {}\n{}",
                    c.what, out.code, out.stderr
                ));
            }
        }
    }
    crate::figures(&format!(
        "canary (admin): {} cases × {} commands = {runs} runs, {} leaks, exit codes {histogram:?}",
        all.len(),
        commands.len(),
        found.len()
    ));
    assert!(found.is_empty(), "{}", found.join("\n\n"));
    assert!(wrong_exit.is_empty(), "{}", wrong_exit.join("\n\n"));
}
