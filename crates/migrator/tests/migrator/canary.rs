//! The canary suite: a password that must never be printed (`Canary-9f3e%21pw` as written in
//! a URL, `Canary-9f3e!pw` decoded) in every credential form — URL userinfo, `?password=`,
//! `?sslpassword=`, key/value DSNs (plain and quoted), PGPASSWORD, SHADOW_DATABASE_URL — through
//! every command and error path of the migrator against a real PostgreSQL: good and wrong
//! credentials, an unreachable server, malformed URLs, failing migrations, refusals, `-v`,
//! `-vv` and `--format json`. Any output containing `9f3e` in any spelling is a leak.

use std::time::Duration;

use super::autogen::schema;
use crate::common::{Out, Project, Run, figures, pg};

const LIMIT: Duration = Duration::from_secs(60);
/// As written in a URL (percent-encoded `!`).
const CANARY: &str = "Canary-9f3e%21pw";
/// What the server stores (decoded).
const CANARY_DECODED: &str = "Canary-9f3e!pw";

/// Every spelling of the canary: as written, decoded, encoded once more, and its core.
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

/// One run: its description and output.
struct Checked {
    runs: usize,
    leaks: Vec<String>,
}

impl Checked {
    fn check(&mut self, what: &str, out: &Out) {
        self.runs += 1;
        let found = leaks(&format!("{}\n{}", out.stdout, out.stderr));
        if !found.is_empty() {
            self.leaks.push(format!(
                "{what}: {found:?}\n--- stdout\n{}\n--- stderr\n{}",
                out.stdout, out.stderr
            ));
        }
    }
}

/// A login role whose password is the canary, owning the project's database (it may create
/// tables there and shadow databases on the server).
async fn canary_role(p: &Project) -> String {
    let role = format!("leak_{}", std::process::id());
    p.sql(&format!(
        "DO $$ BEGIN CREATE ROLE {role} LOGIN CREATEDB PASSWORD '{CANARY_DECODED}'; \
         EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    ))
    .await;
    let db = p.url.rsplit('/').next().unwrap_or_default().to_owned();
    p.sql(&format!("ALTER DATABASE {db} OWNER TO {role}")).await;
    role
}

/// The migrator for `p` with `DATABASE_URL=url` and no other credential in its environment.
fn migrator(p: &Project, url: &str) -> Run {
    p.migrator()
        .env("DATABASE_URL", url)
        .env_remove("PGPASSWORD")
        .env_remove("SHADOW_DATABASE_URL")
}

#[tokio::test]
async fn the_canary_password_is_never_printed_in_any_form_or_path() {
    let cluster = pg::cluster();
    let p = Project::new().await;
    let role = canary_role(&p).await;
    let (host, port) = (&cluster.host, cluster.port);
    let db = p.url.rsplit('/').next().unwrap_or_default().to_owned();
    p.add(1, "a", "CREATE TABLE a (x int);", Some("DROP TABLE a;"));
    schema(&p, "CREATE TABLE a (x int);\nCREATE TABLE b (y int);\n");

    // Credentials that work, in every form the driver accepts.
    let good: Vec<(&str, String, Option<&str>)> = vec![
        (
            "url userinfo",
            format!("postgres://{role}:{CANARY}@{host}:{port}/{db}"),
            None,
        ),
        (
            "?password=",
            format!("postgres://{role}@{host}:{port}/{db}?password={CANARY}"),
            None,
        ),
        (
            "userinfo + ?sslpassword=",
            format!(
                "postgres://{role}:{CANARY}@{host}:{port}/{db}?sslmode=disable&sslpassword={CANARY}"
            ),
            None,
        ),
        (
            "PGPASSWORD",
            format!("postgres://{role}@{host}:{port}/{db}"),
            Some(CANARY_DECODED),
        ),
    ];
    // Credentials that fail, each a different error path.
    let bad: Vec<(&str, String, Option<&str>)> = vec![
        (
            "url userinfo, unknown role",
            format!("postgres://nosuchrole:{CANARY}@{host}:{port}/{db}"),
            None,
        ),
        (
            "url userinfo, raw `!`",
            format!("postgres://nosuchrole:{CANARY_DECODED}@{host}:{port}/{db}"),
            None,
        ),
        (
            "?password=, unknown role",
            format!("postgres://nosuchrole@{host}:{port}/{db}?password={CANARY}"),
            None,
        ),
        (
            "?sslpassword=, wrong password",
            format!("postgres://{role}:nope@{host}:{port}/{db}?sslpassword={CANARY}"),
            None,
        ),
        (
            "?sslpassword= with sslmode=require (no TLS on the server)",
            format!(
                "postgres://{role}:{CANARY}@{host}:{port}/{db}?sslmode=require&sslpassword={CANARY}"
            ),
            None,
        ),
        (
            "key/value DSN",
            format!("host={host} port={port} user={role} password={CANARY} dbname={db}"),
            None,
        ),
        (
            "key/value DSN, quoted",
            format!("host={host} port={port} password='{CANARY} x' user={role} dbname={db}"),
            None,
        ),
        (
            "PGPASSWORD, unknown role",
            format!("postgres://nosuchrole@{host}:{port}/{db}"),
            Some(CANARY_DECODED),
        ),
        (
            "unreachable server",
            format!("postgres://{role}:{CANARY}@127.0.0.1:1/{db}"),
            None,
        ),
        (
            "malformed port",
            format!("postgres://{role}:{CANARY}@{host}:notaport/{db}"),
            None,
        ),
        (
            "raw `?#@/` in the password",
            format!("postgres://{role}:{CANARY}?#@/x@{host}:{port}/{db}"),
            None,
        ),
        (
            "unknown database",
            format!("postgres://{role}:{CANARY}@{host}:{port}/no_such_db?password={CANARY}"),
            None,
        ),
    ];

    let mut checked = Checked {
        runs: 0,
        leaks: Vec::new(),
    };
    let verbosity: [&[&str]; 3] = [&["-v"], &["-vv"], &["-vv", "--format", "json"]];
    let commands: [&[&str]; 6] = [
        &["history"],
        &["current"],
        &["migrate", "--dry-run"],
        &["migrate"],
        &["downgrade", "--dry-run"],
        &["stamp", "head"],
    ];
    let mut forms = 0;
    for (what, url, pgpassword) in good.iter().chain(bad.iter()) {
        forms += 1;
        for v in verbosity {
            for cmd in commands {
                let mut run = migrator(&p, url).args(v.iter()).args(cmd.iter());
                if let Some(pw) = pgpassword {
                    run = run.env("PGPASSWORD", pw);
                }
                let out = run.run_within(LIMIT);
                checked.check(&format!("{what} {v:?} {cmd:?}"), &out);
            }
        }
    }
    // The good forms really connect (else this suite would only test error paths).
    for (what, url, pgpassword) in &good {
        let mut run = migrator(&p, url).arg("history");
        if let Some(pw) = pgpassword {
            run = run.env("PGPASSWORD", pw);
        }
        let out = run.run_within(LIMIT);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
    }

    // makemigrations: SHADOW_DATABASE_URL in every form, good and bad, and the proof's error
    // paths (a failing migration replayed on the shadow server).
    for (what, shadow, pgpassword) in good.iter().chain(bad.iter()) {
        forms += 1;
        // `-v` here: makemigrations' `-vv` log (every catalog query) outgrows the pipe that
        // `run_within` does not drain while it waits; the `-vv` run below reads as it goes.
        for args in [
            &["makemigrations", "--check", "-v"][..],
            &["makemigrations", "-v", "--no-verify", "-m", "x"],
        ] {
            let mut run = migrator(&p, &good[0].1)
                .env("SHADOW_DATABASE_URL", shadow)
                .args(args.iter());
            if let Some(pw) = pgpassword {
                run = run.env("PGPASSWORD", pw);
            }
            let out = run.run_within(LIMIT);
            checked.check(&format!("SHADOW_DATABASE_URL {what} {args:?}"), &out);
        }
        let mut run = migrator(&p, &good[0].1)
            .env("SHADOW_DATABASE_URL", shadow)
            .args(["makemigrations", "--check", "-vv"]);
        if let Some(pw) = pgpassword {
            run = run.env("PGPASSWORD", pw);
        }
        let out = run.run();
        checked.check(
            &format!("SHADOW_DATABASE_URL {what} makemigrations -vv"),
            &out,
        );
        // Whatever was written is removed: each run starts from the same folder.
        for f in p.files() {
            if !f.starts_with("1_") {
                let _ = std::fs::remove_file(p.migrations().join(f));
            }
        }
    }

    // Error paths after connecting: a failing migration, a refused one, a lock timeout.
    p.add(2, "fails", "SELECT 1/0;", Some("SELECT 1;"));
    for (what, url, pgpassword) in &good {
        for args in [
            &["migrate", "-vv"][..],
            &["migrate", "--format", "json", "-v"],
        ] {
            let mut run = migrator(&p, url).args(args.iter());
            if let Some(pw) = pgpassword {
                run = run.env("PGPASSWORD", pw);
            }
            let out = run.run_within(LIMIT);
            assert_ne!(out.code, 0, "{what}: the failing migration must fail");
            checked.check(&format!("{what} failing migration {args:?}"), &out);
        }
    }
    p.write("2_fails.up.sql", "SELECT 1;\nCOMMIT;\n");
    for (what, url, _) in &good[..1] {
        let out = migrator(&p, url).args(["migrate", "-vv"]).run_within(LIMIT);
        out.code(7);
        checked.check(&format!("{what} refused migration"), &out);
    }

    figures(&format!(
        "canary (migrator): {forms} credential forms × paths, {} runs, {} leaks",
        checked.runs,
        checked.leaks.len()
    ));
    assert!(
        checked.leaks.is_empty(),
        "{} of {} runs printed the canary:\n{}",
        checked.leaks.len(),
        checked.runs,
        checked.leaks.join("\n\n")
    );
}
