//! `migrator sqlmigrate VERSION [--down]`: prints the SQL a migration would run.

use serde::Serialize;

use crate::cli::SqlmigrateArgs;
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::output::{Format, Printer};
use crate::settings::Settings;
use crate::{commands, files};

#[derive(Serialize)]
struct Sql<'a> {
    version: i64,
    direction: &'a str,
    file: String,
    no_transaction: bool,
    sql: &'a str,
}

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
                    expected: String::new(),
                });
            }
        }
    } else {
        (&m.up_path, &m.up_sql)
    };
    if settings.format == Format::Json {
        printer.json(&Sql {
            version: m.version,
            direction: if args.down { "down" } else { "up" },
            file: settings.shown(path),
            no_transaction: files::is_no_tx(sql),
            sql,
        })?;
    } else {
        printer.data(sql.trim_end_matches('\n'))?;
    }
    Ok(ExitCode::Success)
}
