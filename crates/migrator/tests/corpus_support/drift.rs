//! The lifecycle commands on every real history: the exported folder is migrated by the real
//! `migrator migrate` into a new database, then `drift` must find nothing (no false drift: the
//! state the migrations build on a shadow equals what `migrate` built) and `pull` must write a
//! schema.sql that passes its own proof.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::AssertSqlSafe;

use super::checks::{Outcome, Prepared};
use crate::common::pg;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn first(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_string()
}

fn fail(reason: String, detail: String) -> Outcome {
    Outcome::Fail { reason, detail }
}

/// migrate → drift → pull on a new database; the database is dropped afterwards.
pub async fn drift_and_pull(prep: &Prepared) -> Outcome {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return fail(format!("tempdir: {e}"), String::new()),
    };
    if let Err(e) = prep.export(dir.path()) {
        return fail(first(&e), e);
    }
    let name = format!(
        "corpus_drift_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = pg::cluster().connect("postgres").await;
    if let Err(e) = sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
    {
        return fail(format!("CREATE DATABASE {name}: {e}"), String::new());
    }
    let outcome = steps(dir.path(), &pg::cluster().url(&name)).await;
    let _ = sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await;
    outcome
}

/// The migrator binary on `dir`'s folder against `url`: (exit code, stdout, stderr).
async fn migrator(dir: &Path, url: &str, args: &[&str]) -> Result<(i32, String, String), String> {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_migrator"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("MIGRATIONS_DIR", dir.join("migrations"))
        .env_remove("SHADOW_DATABASE_URL")
        .env_remove("SCHEMA_FILE")
        .env("NO_COLOR", "1")
        .output()
        .await
        .map_err(|e| format!("migrator {args:?}: {e}"))?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

async fn steps(dir: &Path, url: &str) -> Outcome {
    let run = async |args: &[&str]| migrator(dir, url, args).await;
    let (code, _, err) = match run(&["migrate"]).await {
        Ok(r) => r,
        Err(e) => return fail(e, String::new()),
    };
    match code {
        0 => {}
        7 => return Outcome::Refused(format!("migrate refuses: {}", first(&err))),
        c => return fail(format!("migrate exit {c}: {}", first(&err)), err),
    }
    let (code, out, err) = match run(&["drift"]).await {
        Ok(r) => r,
        Err(e) => return fail(e, String::new()),
    };
    if code != 0 {
        let why = if out.trim().is_empty() { &err } else { &out };
        return fail(
            format!("false drift (exit {code}): {}", first(why)),
            format!("{out}\n{err}"),
        );
    }
    let pulled = dir.join("pulled.sql");
    let pulled = pulled.to_string_lossy();
    let (code, _, err) = match run(&["pull", "-o", &pulled]).await {
        Ok(r) => r,
        Err(e) => return fail(e, String::new()),
    };
    match code {
        0 => Outcome::Pass("no drift after migrate; pull proven".into()),
        _ if err.contains("cannot generate") => {
            Outcome::Refused(format!("pull refuses: {}", first(&err)))
        }
        c => fail(format!("pull exit {c}: {}", first(&err)), err),
    }
}
