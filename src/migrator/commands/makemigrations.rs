//! `migrator makemigrations -m MSG [--empty]`: writes a new `.up.sql`/`.down.sql` pair.

use serde::Serialize;

use crate::exit::ExitCode;
use crate::migrator::cli::MakemigrationsArgs;
use crate::migrator::error::MigratorError;
use crate::migrator::files;
use crate::migrator::settings::Settings;
use crate::output::{Format, Printer};

#[derive(Serialize)]
struct Created {
    version: i64,
    description: String,
    up: String,
    down: String,
}

/// The message as it may appear inside a one-line SQL comment (no line breaks or controls).
pub fn comment_safe(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Header of a hand-written migration file.
pub fn header(message: &str, version: i64, direction: &str) -> String {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let body = if direction == "up" {
        "-- Write the forward SQL below. It runs in one transaction together with its bookkeeping row.\n\
         -- For statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY), make\n\
         -- `-- no-transaction` the very first line and keep one statement in the file.\n"
    } else {
        "-- Write the SQL that undoes the up migration below (`migrator downgrade` runs it).\n"
    };
    format!(
        "-- {direction}: {}\n-- Version {version}, created {now} by `migrator makemigrations`.\n{body}",
        comment_safe(message)
    )
}

/// Writes the pair for `message` with the given bodies; returns (version, up path, down path).
pub fn write(
    settings: &Settings,
    message: &str,
    up_body: &str,
    down_body: &str,
) -> Result<(i64, std::path::PathBuf, std::path::PathBuf), MigratorError> {
    let existing = if settings.migrations_dir.exists() {
        files::scan(&settings.migrations_dir)?
    } else {
        Vec::new()
    };
    let newest = existing.iter().map(|m| m.version).max();
    let version = files::next_version(chrono::Utc::now(), newest);
    let slug = files::slugify(message);
    let up = format!("{}{up_body}", header(message, version, "up"));
    let down = format!("{}{down_body}", header(message, version, "down"));
    let (up_path, down_path) =
        files::write_pair(&settings.migrations_dir, version, &slug, &up, &down)?;
    Ok((version, up_path, down_path))
}

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &MakemigrationsArgs,
) -> Result<ExitCode, MigratorError> {
    let (version, up, down) = write(settings, &args.message, "", "")?;
    report(settings, printer, version, &args.message, &up, &down)?;
    Ok(ExitCode::Success)
}

/// Prints the created paths (stdout) and a status line (stderr).
pub fn report(
    settings: &Settings,
    printer: &Printer,
    version: i64,
    message: &str,
    up: &std::path::Path,
    down: &std::path::Path,
) -> Result<(), MigratorError> {
    let (up, down) = (settings.shown(up), settings.shown(down));
    if settings.format == Format::Json {
        printer.json(&Created {
            version,
            description: files::slugify(message).replace('_', " "),
            up,
            down,
        })?;
    } else {
        printer.status(&format!("Created migration {version}:"))?;
        printer.data(&up)?;
        printer.data(&down)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_cannot_escape_the_comment() {
        let h = header("x\nDROP TABLE users;\r--", 1, "up");
        assert!(h.lines().all(|l| l.starts_with("--")), "{h}");
    }
}
