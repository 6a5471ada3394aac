//! `migrator migrate [head | +N | VERSION] [--dry-run | --plan] [--allow-out-of-order]
//! [--lock-timeout SECS]`.

use std::time::{Duration, Instant};

use protocol::results::{Outcome, Planned};

use crate::cli::MigrateArgs;
use crate::commands::{self, repair};
use crate::db::Db;
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::files::LocalMigration;
use crate::output::{Format, Printer};
use crate::plan::{self, Entry};
use crate::progress::Progress;
use crate::settings::Settings;
use crate::squash;
use protocol::argv::Direction;

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &MigrateArgs,
) -> Result<ExitCode, MigratorError> {
    let local = commands::scan(settings, printer)?;
    let mut db = commands::connect(settings).await?;
    printer.verbose(&format!("connected to {}", db.masked_url()))?;
    if args.plan {
        // The list only: no lock, no script or leftover checks (--dry-run does those).
        let rows = squash::applied(&mut db, &local).await;
        db.close().await?;
        let rows = rows?;
        let entries = plan::history(&local, &rows);
        plan::check_integrity(&entries, args.allow_out_of_order, &settings.dir_display())?;
        let pending = plan::to_apply(&entries, args.target)?;
        return print_plan(settings, printer, &pending, true);
    }
    if args.dry_run {
        let rows = squash::applied(&mut db, &local).await;
        let rows = match rows {
            Ok(rows) => rows,
            Err(e) => {
                db.close().await?;
                return Err(e);
            }
        };
        let entries = plan::history(&local, &rows);
        let checked = check(settings, printer, &mut db, &entries, args).await;
        db.close().await?;
        return print_plan(settings, printer, &checked?, false);
    }
    let timeout = Duration::from_secs(args.lock_timeout);
    let result = commands::locked(&mut db, timeout, async |db: &mut Db| {
        db.ensure_table().await?;
        // Pending migrations are computed only now, under the lock. A squash whose replaced
        // migrations are all applied counts as applied; its bookkeeping is rewritten once
        // every check passed.
        let (rows, rewrites) = squash::resolve(&local, db.applied().await?)?;
        let entries = plan::history(&local, &rows);
        let pending = check(settings, printer, db, &entries, args).await?;
        squash::record(db, printer, &rewrites).await?;
        apply_all(settings, printer, db, &entries, &pending).await
    })
    .await;
    db.close().await?;
    result
}

/// Everything checked before the first statement runs: integrity, what to apply, every
/// pending script, and the leftovers of interrupted no-transaction migrations.
async fn check<'a>(
    settings: &Settings,
    printer: &Printer,
    db: &mut Db,
    entries: &[Entry<'a>],
    args: &MigrateArgs,
) -> Result<Vec<&'a LocalMigration>, MigratorError> {
    plan::check_integrity(entries, args.allow_out_of_order, &settings.dir_display())?;
    let pending = plan::to_apply(entries, args.target)?;
    let scripts = pending
        .iter()
        .map(|m| (m.up_path.as_path(), m.up_sql.as_str()));
    commands::preflight(settings, scripts, &["migrate"])?;
    repair::check(printer, db, entries).await?;
    Ok(pending)
}

async fn apply_all(
    settings: &Settings,
    printer: &Printer,
    db: &mut Db,
    entries: &[Entry<'_>],
    pending: &[&LocalMigration],
) -> Result<ExitCode, MigratorError> {
    if pending.is_empty() {
        if settings.format == Format::Json {
            Progress::start(printer, Direction::Up, 0)?.done(0, Duration::ZERO)?;
        } else {
            let rows = db.applied().await?;
            let at = rows
                .iter()
                .map(|r| r.version.to_string())
                .next_back()
                .unwrap_or_else(|| "nothing applied yet".into());
            printer.status(&format!("No migrations to apply (database at {at}).",))?;
        }
        return Ok(ExitCode::Success);
    }
    let started = Instant::now();
    let progress = Progress::start(printer, Direction::Up, pending.len())?;
    for (i, m) in pending.iter().enumerate() {
        progress.running(m.version, &m.description, i)?;
        let outcome = db
            .apply(
                m.version,
                &m.description,
                &m.checksum,
                &m.up_sql,
                m.up_no_tx(),
            )
            .await?;
        match outcome {
            Ok(took) => progress.finished(m.version, &m.description, took)?,
            Err(f) => {
                progress.failed(m.version, &m.description, &f.message)?;
                let file = settings.file_ref(&m.up_path);
                return Err(if m.up_no_tx() {
                    repair::up_failure(settings, db, entries, m, f).await
                } else {
                    MigratorError::MigrationFailed {
                        file,
                        position: f.position,
                        message: f.message,
                        earlier: i,
                    }
                });
            }
        }
    }
    progress.done(pending.len(), started.elapsed())?;
    Ok(ExitCode::Success)
}

fn print_plan(
    settings: &Settings,
    printer: &Printer,
    pending: &[&LocalMigration],
    listing: bool,
) -> Result<ExitCode, MigratorError> {
    let steps = pending
        .iter()
        .map(|m| Planned {
            version: m.version,
            description: m.description.clone(),
            file: Some(settings.file_ref(&m.up_path)),
            no_transaction: m.up_no_tx(),
        })
        .collect();
    printer.report(&Outcome::Plan {
        up: true,
        steps,
        listing,
    })?;
    Ok(ExitCode::Success)
}
