//! `migrator downgrade [-N | VERSION | base | zero] [--dry-run | --plan]`: runs down
//! migrations, newest first.

use std::time::{Duration, Instant};

use protocol::results::{Outcome, Planned};

use crate::cli::DowngradeArgs;
use crate::commands::{self, repair};
use crate::db::Db;
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::files;
use crate::output::Printer;
use crate::plan::{self, Entry};
use crate::progress::Progress;
use crate::settings::Settings;
use crate::squash;
use protocol::argv::Direction;

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &DowngradeArgs,
) -> Result<ExitCode, MigratorError> {
    let local = commands::scan(settings, printer)?;
    let mut db = commands::connect(settings).await?;
    if args.plan {
        // The list only: no lock, no script checks (--dry-run does those).
        let rows = squash::applied(&mut db, &local).await;
        db.close().await?;
        let rows = rows?;
        let entries = plan::history(&local, &rows);
        plan::check_integrity(&entries, true, &settings.dir_display())?;
        let chosen = plan::to_revert(&entries, args.target)?;
        return print_plan(settings, printer, &chosen, true);
    }
    let timeout = Duration::from_secs(args.lock_timeout);
    let result = commands::locked(&mut db, timeout, async |db: &mut Db| {
        let (rows, rewrites) = squash::resolve(&local, db.applied().await?)?;
        let entries = plan::history(&local, &rows);
        plan::check_integrity(&entries, true, &settings.dir_display())?;
        let chosen = plan::to_revert(&entries, args.target)?;
        // Every down script is checked before the first one runs.
        let scripts = chosen
            .iter()
            .filter_map(|e| e.local)
            .filter_map(|m| Some((m.down_path.as_deref()?, m.down_sql.as_deref()?)));
        commands::preflight(settings, scripts, &["downgrade"])?;
        if args.dry_run {
            return print_plan(settings, printer, &chosen, false);
        }
        // A squash is reverted as one migration: its bookkeeping first becomes one row.
        squash::record(db, printer, &rewrites).await?;
        revert_all(settings, printer, db, &chosen).await
    })
    .await;
    db.close().await?;
    result
}

async fn revert_all(
    settings: &Settings,
    printer: &Printer,
    db: &mut Db,
    chosen: &[&Entry<'_>],
) -> Result<ExitCode, MigratorError> {
    let started = Instant::now();
    let progress = Progress::start(printer, Direction::Down, chosen.len())?;
    for (i, e) in chosen.iter().enumerate() {
        let (Some(m), Some(down), Some(path)) = (
            e.local,
            e.local.and_then(|m| m.down_sql.as_deref()),
            e.local.and_then(|m| m.down_path.as_ref()),
        ) else {
            // to_revert already refused entries without a down file.
            return Err(MigratorError::NoDownFile {
                version: e.version,
                description: e.description.clone(),
                expected: None,
                stamp_to: None,
            });
        };
        progress.running(m.version, &m.description, i)?;
        match db.revert(m.version, down, files::is_no_tx(down)).await? {
            Ok(took) => progress.finished(m.version, &m.description, took)?,
            Err(f) => {
                progress.failed(m.version, &m.description, &f.message)?;
                if files::is_no_tx(down) {
                    return Err(repair::down_failure(settings, path, m.version, f));
                }
                return Err(MigratorError::DowngradeFailed {
                    file: settings.file_ref(path),
                    position: f.position,
                    message: f.message,
                });
            }
        }
    }
    progress.done(chosen.len(), started.elapsed())?;
    Ok(ExitCode::Success)
}

fn print_plan(
    settings: &Settings,
    printer: &Printer,
    chosen: &[&Entry<'_>],
    listing: bool,
) -> Result<ExitCode, MigratorError> {
    let steps = chosen
        .iter()
        .map(|e| Planned {
            version: e.version,
            description: e.description.clone(),
            file: e
                .local
                .and_then(|m| m.down_path.as_ref())
                .map(|p| settings.file_ref(p)),
            no_transaction: e
                .local
                .and_then(|m| m.down_sql.as_deref())
                .is_some_and(files::is_no_tx),
        })
        .collect();
    printer.report(&Outcome::Plan {
        up: false,
        steps,
        listing,
    })?;
    Ok(ExitCode::Success)
}
