//! `migrator current`: the newest applied version, or "none".

use serde::Serialize;

use crate::commands;
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::output::{Format, Printer};
use crate::settings::Settings;

#[derive(Serialize)]
struct Current {
    version: Option<i64>,
    description: Option<String>,
}

pub async fn run(settings: &Settings, printer: &Printer) -> Result<ExitCode, MigratorError> {
    let mut db = commands::connect(settings).await?;
    let rows = db.applied().await?;
    db.close().await?;
    let newest = rows.iter().filter(|r| r.success).max_by_key(|r| r.version);
    if settings.format == Format::Json {
        printer.json(&Current {
            version: newest.map(|r| r.version),
            description: newest.map(|r| r.description.clone()),
        })?;
    } else {
        match newest {
            Some(r) => printer.data(&format!("{} {}", r.version, r.description))?,
            None => printer.data("none")?,
        }
    }
    Ok(ExitCode::Success)
}
