//! `migrator sqlmigrate VERSION [--down]`: prints the SQL a migration would run.

use protocol::results::Outcome;

use crate::cli::SqlmigrateArgs;
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::output::Printer;
use crate::settings::Settings;
use crate::{commands, files};

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &SqlmigrateArgs,
) -> Result<ExitCode, MigratorError> {
    let local = commands::scan(settings, printer)?;
    let m =
        local
            .iter()
            .find(|m| m.version == args.version)
            .ok_or(MigratorError::UnknownVersion {
                version: args.version,
            })?;
    let (path, sql) = if args.down {
        match (&m.down_path, &m.down_sql) {
            (Some(p), Some(s)) => (p, s),
            _ => {
                return Err(MigratorError::NoDownFile {
                    version: m.version,
                    description: m.description.clone(),
                    expected: None,
                    stamp_to: None,
                });
            }
        }
    } else {
        (&m.up_path, &m.up_sql)
    };
    printer.report(&Outcome::Sql {
        version: m.version,
        down: args.down,
        file: settings.file_ref(path),
        no_transaction: files::is_no_tx(sql),
        sql: sql.clone(),
    })?;
    Ok(ExitCode::Success)
}
