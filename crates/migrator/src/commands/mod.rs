//! One file per subcommand. Each takes the resolved settings and the printer and returns the
//! exit code; errors are `MigratorError`s (with anyhow context added here, at the command layer).

pub mod baseline;
pub mod current;
pub mod downgrade;
pub mod drift;
pub mod graph;
pub mod history;
pub mod makemigrations;
pub mod migrate;
pub mod pull;
pub mod repair;
pub mod reset;
pub mod sqlmigrate;
pub mod squash;
pub mod stamp;

use std::path::Path;
use std::time::Duration;

use super::db::Db;
use super::error::MigratorError;
use super::settings::Settings;
use super::{files, pair, sqlcheck};
use crate::output::Printer;

/// Reads the migrations folder, after finishing or removing what an interrupted
/// makemigrations left in it (each reported as a warning).
pub fn scan(
    settings: &Settings,
    printer: &Printer,
) -> Result<Vec<files::LocalMigration>, MigratorError> {
    if let Some(bundle) = &settings.bundle {
        return files::from_bundle(bundle);
    }
    for note in pair::recover(&settings.migrations_dir)? {
        printer.warn(&note)?;
    }
    files::scan(&settings.migrations_dir)
}

/// Connects to DATABASE_URL (one dedicated connection for the whole command).
pub async fn connect(settings: &Settings) -> Result<Db, MigratorError> {
    let url = settings.url()?;
    Db::connect(url, settings.pgpassword.as_deref()).await
}

/// The server for shadow databases: SHADOW_DATABASE_URL's when it is set, else DATABASE_URL's.
pub fn shadow_url(settings: &Settings) -> Result<String, MigratorError> {
    let shadow = match &settings.shadow_database_url {
        Ok(u) => u.clone(),
        Err(()) => {
            return Err(crate::schema::SchemaError::Shadow {
                doing: "reading SHADOW_DATABASE_URL".into(),
                message: "the value is not valid UTF-8".into(),
            }
            .into());
        }
    };
    match shadow {
        Some(s) => Ok(s),
        None => settings.url().map(str::to_string),
    }
}

/// Runs `work` while holding the migration lock; the lock is released on every path.
pub async fn locked<T>(
    db: &mut Db,
    timeout: Duration,
    work: impl AsyncFnOnce(&mut Db) -> Result<T, MigratorError>,
) -> Result<T, MigratorError> {
    db.lock(timeout).await?;
    let result = work(db).await;
    let unlocked = db.unlock().await;
    match (result, unlocked) {
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e),
        (Ok(v), Ok(())) => Ok(v),
    }
}

/// Refuses, before anything runs, the first of `scripts` (path, SQL) that contains what a
/// migration may not (see [`sqlcheck`]); `retry` is the command to run once it is fixed.
pub fn preflight<'a>(
    settings: &Settings,
    scripts: impl IntoIterator<Item = (&'a Path, &'a str)>,
    retry: &[&str],
) -> Result<(), MigratorError> {
    for (path, sql) in scripts {
        if let Some(p) = sqlcheck::check(sql, files::is_no_tx(sql)) {
            return Err(MigratorError::Refused {
                file: settings.file_ref(path).at(p.line, p.column),
                what: p.what,
                fix: p.fix,
                retry: retry.iter().map(|s| s.to_string()).collect(),
            });
        }
    }
    Ok(())
}
