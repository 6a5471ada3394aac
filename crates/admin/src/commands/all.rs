//! `--all-databases`: one db command on every database of `x-admin.databases`, side by side
//! (one task, concurrent runs through the one target), each run's output kept apart and shown
//! whole afterwards in the order declared: text lines prefixed with the database's name, or
//! one JSON document. One exit code: 0 when every run succeeded, else the first failing one's.
//!
//! Commands that write files (makemigrations, baseline, squash, pull) run once per folder or
//! schema file, and `graph` of schema.sql once per file: databases that share one (tenants)
//! are covered by the first that uses it.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use crate::cli::DbCommand;
use crate::compose::Project;
use crate::databases::{Database, DatabasesError};
use crate::exit::ExitCode;
use crate::output::{Captured, Format, Printer};
use crate::settings::Settings;
use crate::target::Picked;

/// What one database's run left.
struct Run {
    name: String,
    url_var: String,
    code: ExitCode,
    /// The database whose run covers this one (same folder), if it did not run itself.
    covered_by: Option<String>,
    captured: Captured,
}

#[derive(Serialize)]
struct JsonRun<'a> {
    name: &'a str,
    url_var: &'a str,
    exit_code: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    covered_by: Option<&'a str>,
    /// What the command printed on stdout: its JSON documents (a line that is not JSON as a
    /// string).
    output: Vec<Value>,
    /// Status lines, warnings and the error, as text.
    messages: Vec<String>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    databases: Vec<JsonRun<'a>>,
    exit_code: u8,
}

/// Runs `command` on each of `dbs` and prints the combined report.
pub async fn run(
    settings: &Settings,
    project: &Project,
    printer: &Printer,
    targets: &Picked<'_>,
    dbs: &[Database],
    mut command: DbCommand,
) -> anyhow::Result<ExitCode> {
    match &mut command {
        DbCommand::Shell(_) => return Err(not_with_all("shell")),
        DbCommand::Dbshell(_) => return Err(not_with_all("dbshell")),
        // One file cannot hold several databases' diagrams.
        DbCommand::Graph(a) if a.output.is_some() => return Err(not_with_all("graph -o")),
        DbCommand::Reset(a) if !a.yes => {
            super::reset::confirm(printer)?;
            a.yes = true;
        }
        _ => {}
    }
    if settings.migrations_dir.is_some() {
        return Err(DatabasesError::DirWithAll.into());
    }
    let covered = covered_by(settings, project, dbs, &command);
    let captures: Vec<_> = dbs.iter().map(|_| printer.capturing()).collect();
    let runs = dbs
        .iter()
        .zip(&captures)
        .zip(&covered)
        .map(|((db, (p, _)), cover)| {
            let command = command.clone();
            async move {
                if cover.is_some() {
                    return Ok(ExitCode::Success);
                }
                crate::dispatch(settings, project, p, db, targets, command).await
            }
        });
    let results = futures_util::future::join_all(runs).await;
    let mut report = Vec::new();
    for (((db, (p, capture)), result), cover) in dbs.iter().zip(captures).zip(results).zip(covered)
    {
        let code = match result {
            Ok(code) => code,
            Err(e) => {
                p.error(&e)?;
                crate::exit::of(&e, crate::code_of)
            }
        };
        let captured = std::mem::take(
            &mut *capture
                .lock()
                .map_err(|_| anyhow::anyhow!("output capture"))?,
        );
        report.push(Run {
            name: db.label(),
            url_var: db.url_var.clone(),
            code,
            covered_by: cover,
            captured,
        });
    }
    let code = report
        .iter()
        .map(|r| r.code)
        .find(|c| c.code() != 0)
        .unwrap_or(ExitCode::Success);
    match printer.format() {
        Format::Json => print_json(printer, &report, code)?,
        Format::Text => print_text(printer, &report)?,
    }
    Ok(code)
}

fn not_with_all(command: &str) -> anyhow::Error {
    DatabasesError::NotWithAll {
        command: command.to_string(),
    }
    .into()
}

/// For each database, the earlier database whose run writes the same files (makemigrations,
/// baseline and squash: the same migrations folder; pull: the same schema file).
fn covered_by(
    settings: &Settings,
    project: &Project,
    dbs: &[Database],
    command: &DbCommand,
) -> Vec<Option<String>> {
    let key = |db: &Database| -> Option<PathBuf> {
        let files = crate::files::locate_for(settings, project, db, None);
        match command {
            DbCommand::Makemigrations(_) | DbCommand::Baseline(_) | DbCommand::Squash(_) => {
                Some(files.dir)
            }
            DbCommand::Pull(_) => Some(files.schema),
            // A diagram of schema.sql is the same for every database that shares the file.
            DbCommand::Graph(a) if !a.from_database => Some(files.schema),
            _ => None,
        }
    };
    let keys: Vec<Option<PathBuf>> = dbs.iter().map(key).collect();
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let k = k.as_ref()?;
            let first = keys[..i].iter().position(|e| e.as_ref() == Some(k))?;
            Some(dbs[first].label())
        })
        .collect()
}

fn print_text(printer: &Printer, report: &[Run]) -> std::io::Result<()> {
    let width = report.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for r in report {
        let prefix = format!("{:width$} | ", r.name);
        if let Some(first) = &r.covered_by {
            printer.status(&format!(
                "{prefix}same files as {first}: covered by its run"
            ))?;
            continue;
        }
        for line in String::from_utf8_lossy(&r.captured.stderr).lines() {
            printer.status(&format!("{prefix}{line}"))?;
        }
        for line in String::from_utf8_lossy(&r.captured.stdout).lines() {
            printer.data(&format!("{prefix}{line}"))?;
        }
    }
    let summary: Vec<String> = report
        .iter()
        .map(|r| match r.code.code() {
            0 => format!("{} ok", r.name),
            n => format!("{} failed (exit {n})", r.name),
        })
        .collect();
    let failed = report.iter().filter(|r| r.code.code() != 0).count();
    printer.status(&format!(
        "{} database(s), {} failed: {}",
        report.len(),
        failed,
        summary.join(", ")
    ))
}

fn print_json(printer: &Printer, report: &[Run], code: ExitCode) -> std::io::Result<()> {
    let databases = report
        .iter()
        .map(|r| JsonRun {
            name: &r.name,
            url_var: &r.url_var,
            exit_code: r.code.code(),
            covered_by: r.covered_by.as_deref(),
            output: String::from_utf8_lossy(&r.captured.stdout)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).unwrap_or_else(|_| Value::String(l.to_string())))
                .collect(),
            messages: String::from_utf8_lossy(&r.captured.stderr)
                .lines()
                .map(str::to_string)
                .collect(),
        })
        .collect();
    printer.json(&JsonReport {
        databases,
        exit_code: code.code(),
    })
}
