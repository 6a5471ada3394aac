//! One file per subcommand. Each takes the resolved settings and the printer and returns the
//! exit code; errors are `MigratorError`s (with anyhow context added here, at the command layer).

pub mod current;
pub mod downgrade;
pub mod history;
pub mod makemigrations;
pub mod migrate;
pub mod sqlmigrate;
pub mod stamp;

use std::time::Duration;

use super::db::Db;
use super::error::MigratorError;
use super::settings::Settings;

/// Connects to DATABASE_URL (one dedicated connection for the whole command).
pub async fn connect(settings: &Settings) -> Result<Db, MigratorError> {
    let url = settings
        .database_url
        .as_deref()
        .ok_or(MigratorError::NoDatabaseUrl)?;
    Db::connect(url).await
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
