//! The lifecycle commands on every real history: the exported folder is migrated by the real
//! `migrator migrate` into a new database, then `drift` must find nothing (no false drift: the
//! state the migrations build on a shadow equals what `migrate` built), `pull` must write a
//! schema.sql that passes its own proof, `graph` must draw the same diagram from the
//! database and from the pulled file, with every table of the database in it, and `baseline`
//! must adopt the database as another tool would leave it (no `_sqlx_migrations`).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::AssertSqlSafe;

use super::checks::{Outcome, Prepared};
use crate::common::pg;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub(super) fn first(s: &str) -> String {
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
pub(super) async fn migrator(
    dir: &Path,
    url: &str,
    args: &[&str],
) -> Result<(i32, String, String), String> {
    migrator_on(&dir.join("migrations"), url, args).await
}

/// The migrator binary on migrations folder `folder` against `url`.
async fn migrator_on(
    folder: &Path,
    url: &str,
    args: &[&str],
) -> Result<(i32, String, String), String> {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_migrator"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("MIGRATIONS_DIR", folder)
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
        0 => {}
        _ if err.contains("cannot generate") => {
            return Outcome::Refused(format!("pull refuses: {}", first(&err)));
        }
        c => return fail(format!("pull exit {c}: {}", first(&err)), err),
    }
    let tables = match graph(dir, url, &pulled).await {
        Ok(tables) => tables,
        Err((reason, detail)) => return fail(reason, detail),
    };
    match baseline(dir, url, &pulled).await {
        Ok(statements) => Outcome::Pass(format!(
            "no drift after migrate; pull proven; graph: {tables} tables, the same from the database and the pulled file; baseline adopted it ({statements} statements), no drift"
        )),
        Err((reason, detail)) => fail(reason, detail),
    }
}

/// The database as another tool would leave it (no `_sqlx_migrations`), adopted by `baseline`
/// into an empty folder: one pair, recorded as applied, no drift, and the pulled schema.sql is
/// exactly what it builds. Returns the baseline's statement count.
async fn baseline(dir: &Path, url: &str, pulled: &str) -> Result<usize, (String, String)> {
    let mut c = pg::connect(url).await;
    sqlx::raw_sql("DROP TABLE _sqlx_migrations")
        .execute(&mut c)
        .await
        .map_err(|e| (format!("dropping _sqlx_migrations: {e}"), String::new()))?;
    let folder = dir.join("adopted");
    let run = async |args: &[&str]| {
        let (code, out, err) = migrator_on(&folder, url, args)
            .await
            .map_err(|e| (e, String::new()))?;
        if code != 0 {
            return Err((
                format!("{} exit {code}: {}", args.join(" "), first(&err)),
                format!("{out}\n{err}"),
            ));
        }
        Ok((out, err))
    };
    let (_, err) = run(&["baseline", "-m", "adopt"]).await?;
    let files = std::fs::read_dir(&folder)
        .map(|d| d.filter_map(Result::ok).count())
        .unwrap_or(0);
    if files != 2 {
        return Err((format!("baseline wrote {files} files, not one pair"), err));
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut c)
        .await
        .unwrap_or(-1);
    if rows != 1 {
        return Err((format!("baseline recorded {rows} rows, not 1"), err));
    }
    run(&["drift"]).await?;
    let (_, check) = run(&["makemigrations", "--check", "--schema", pulled]).await?;
    if !check.contains("No changes detected") {
        return Err((
            "the pulled schema.sql differs from the baseline".into(),
            check,
        ));
    }
    let statements = err
        .lines()
        .find_map(|l| {
            l.split_once(": ")
                .filter(|(head, _)| head.starts_with("Baseline "))
                .and_then(|(_, rest)| rest.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0);
    Ok(statements)
}

/// `graph` of the live database and of the pulled file: the same Mermaid text, both SVGs
/// well formed, and one entity per table of the database. Returns the table count.
async fn graph(dir: &Path, url: &str, pulled: &str) -> Result<usize, (String, String)> {
    let run = async |args: &[&str]| {
        let (code, out, err) = migrator(dir, url, args)
            .await
            .map_err(|e| (e, String::new()))?;
        if code != 0 {
            return Err((format!("graph exit {code}: {}", first(&err)), err));
        }
        Ok(out)
    };
    let live = run(&["--format", "json", "graph", "--from-database"]).await?;
    let file = run(&["--format", "json", "graph", "--schema", pulled]).await?;
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap_or_default();
    let (live, file) = (parse(&live), parse(&file));
    if live["text"] != file["text"] || live["text"].as_str().is_none_or(str::is_empty) {
        return Err((
            "graph differs between the database and the pulled file".into(),
            format!("{}\n---\n{}", live["text"], file["text"]),
        ));
    }
    let mut c = pg::connect(url).await;
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
            AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
            AND n.nspname NOT LIKE 'pg\\_toast%' AND c.relname <> '_sqlx_migrations' \
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
                            AND d.objid = c.oid AND d.deptype = 'e')",
    )
    .fetch_one(&mut c)
    .await
    .unwrap_or(-1);
    let tables = live["tables"].as_array().map_or(0, Vec::len);
    if i64::try_from(tables).ok() != Some(expected) {
        return Err((
            format!("graph has {tables} tables, the database {expected}"),
            String::new(),
        ));
    }
    let svg = run(&["graph", "--from-database", "--to", "svg"]).await?;
    if let Err(e) = roxmltree::Document::parse(&svg) {
        return Err((format!("graph --to svg is not well-formed XML: {e}"), svg));
    }
    if run(&["graph", "--schema", pulled, "--to", "svg"]).await? != svg {
        return Err((
            "graph --to svg differs between the database and the pulled file".into(),
            String::new(),
        ));
    }
    Ok(tables)
}
