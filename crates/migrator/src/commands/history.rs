//! `migrator history`: every migration with its state, applied time and duration.

use serde::Serialize;

use crate::commands::{self, repair};
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::output::{Format, Printer};
use crate::plan::{self, State};
use crate::progress::human;
use crate::settings::Settings;

#[derive(Serialize)]
struct Line {
    version: i64,
    description: String,
    state: State,
    applied_at: Option<String>,
    duration_ms: Option<f64>,
    file: Option<String>,
    /// What an interrupted no-transaction run left for this migration, and its repair.
    leftover: Option<String>,
}

pub async fn run(settings: &Settings, printer: &Printer) -> Result<ExitCode, MigratorError> {
    let local = commands::scan(settings, printer)?;
    let mut db = commands::connect(settings).await?;
    let rows = db.applied().await?;
    let entries = plan::history(&local, &rows);
    let found = repair::findings(&mut db, &entries).await;
    db.close().await?;
    let found = found?;
    let leftover = |v: i64| {
        found
            .iter()
            .find(|f| f.version == Some(v))
            .map(|f| f.line())
    };
    let lines: Vec<Line> = entries
        .into_iter()
        .map(|e| Line {
            leftover: leftover(e.version),
            version: e.version,
            description: e.description,
            state: e.state,
            applied_at: e
                .row
                .map(|r| r.installed_on.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
            duration_ms: e
                .row
                .map(|r| (r.execution_time.max(0) as f64 / 1e4).round() / 100.0),
            file: e.local.map(|m| settings.shown(&m.up_path)),
        })
        .collect();
    // Every leftover also as a warning (those no migration made appear only there).
    for f in &found {
        match f.version {
            Some(v) => printer.warn(&format!("{v}: {}", f.line()))?,
            None => printer.warn(&f.line())?,
        }
    }
    if settings.format == Format::Json {
        printer.json(&lines)?;
        return Ok(ExitCode::Success);
    }
    if lines.is_empty() {
        printer.status(&format!(
            "No migrations in {} and none applied.\nhint: create one with: migrator makemigrations -m \"create users\"",
            settings.dir_display()
        ))?;
        return Ok(ExitCode::Success);
    }
    let width = lines
        .iter()
        .map(|l| l.description.chars().count())
        .max()
        .unwrap_or(11)
        .clamp(11, 50);
    printer.data(&format!(
        "{:<14}  {:<width$}  {:<12}  {:<23}  DURATION",
        "VERSION", "DESCRIPTION", "STATE", "APPLIED AT"
    ))?;
    for l in &lines {
        let duration = l
            .duration_ms
            .map(|ms| human(std::time::Duration::from_secs_f64(ms / 1000.0)))
            .unwrap_or_else(|| "-".into());
        printer.data(&format!(
            "{:<14}  {:<width$}  {:<12}  {:<23}  {}",
            l.version,
            l.description,
            format!(
                "{}{}",
                l.state.label(),
                if l.leftover.is_some() { "!" } else { "" }
            ),
            l.applied_at.as_deref().unwrap_or("-"),
            duration
        ))?;
    }
    Ok(ExitCode::Success)
}
