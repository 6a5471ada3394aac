//! `migrator current`: the newest applied version, or "none".

use protocol::results::Outcome;

use crate::commands;
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::output::Printer;
use crate::settings::Settings;

pub async fn run(settings: &Settings, printer: &Printer) -> Result<ExitCode, MigratorError> {
    let mut db = commands::connect(settings).await?;
    let rows = db.applied().await?;
    db.close().await?;
    let newest = rows.iter().filter(|r| r.success).max_by_key(|r| r.version);
    printer.report(&Outcome::Current {
        version: newest.map(|r| r.version),
        description: newest.map(|r| r.description.clone()),
    })?;
    Ok(ExitCode::Success)
}
