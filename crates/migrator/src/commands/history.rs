//! `migrator history`: every migration with its state, applied time and duration.

use protocol::results::{HistoryRow, Outcome};

use crate::commands::{self, repair};
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::output::Printer;
use crate::plan;
use crate::settings::Settings;

pub async fn run(settings: &Settings, printer: &Printer) -> Result<ExitCode, MigratorError> {
    let local = commands::scan(settings, printer)?;
    let mut db = commands::connect(settings).await?;
    let rows = match db.applied().await {
        Ok(rows) => rows,
        Err(e) => {
            db.close().await?;
            return Err(e);
        }
    };
    // A squash whose replaced migrations are all applied shows as applied; when the rows do not
    // fit a squash, they are shown as they are, with the reason as a warning.
    let rows = match crate::squash::resolve(&local, rows.clone()) {
        Ok((resolved, _)) => resolved,
        Err(e) => {
            let message = e
                .diagnostic()
                .message
                .render(&protocol::text::MigratorNames);
            let first = message.lines().next().unwrap_or_default();
            printer.warn(&format!(
                "{first} (the rows are shown as they are; migrate refuses them)"
            ))?;
            rows
        }
    };
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
    // The newest applied migration, as `current` says.
    let current = rows.iter().filter(|r| r.success).map(|r| r.version).max();
    let rows: Vec<HistoryRow> = entries
        .into_iter()
        .map(|e| HistoryRow {
            leftover: leftover(e.version),
            current: current == Some(e.version),
            version: e.version,
            description: e.description,
            state: e.state,
            applied_at: e
                .row
                .map(|r| r.installed_on.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
            duration_ms: e
                .row
                .map(|r| (r.execution_time.max(0) as f64 / 1e4).round() / 100.0),
            file: e.local.map(|m| settings.file_ref(&m.up_path)),
        })
        .collect();
    // Every leftover also as a warning (those no migration made appear only there).
    for f in &found {
        let line = match f.version {
            Some(v) => protocol::text::Text::plain(format!("{v}: ")).then(f.line()),
            None => f.line(),
        };
        printer.warn_text(&line)?;
    }
    printer.report(&Outcome::History {
        rows,
        dir: settings.dir_ref(),
    })?;
    Ok(ExitCode::Success)
}
