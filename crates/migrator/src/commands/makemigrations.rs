//! `migrator makemigrations -m MSG [--empty] [--schema FILE] [--check] [--strict] [--no-verify]
//! [--no-cache]`:
//! writes a new `.up.sql`/`.down.sql` pair, generated from the difference between what the
//! migrations build and schema.sql (empty when there is no schema file, or with `--empty`).

use serde::Serialize;

use crate::cli::MakemigrationsArgs;
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::output::{Format, Printer};
use crate::schema::SchemaError;
use crate::schema::generate::{Request, generate};
use crate::schema::lint;
use crate::settings::Settings;
use crate::{commands, files, pair, sqlcheck};

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
    printer: &Printer,
    message: &str,
    up_body: &str,
    down_body: &str,
) -> Result<(i64, std::path::PathBuf, std::path::PathBuf), MigratorError> {
    write_with(settings, printer, message, |version| {
        (
            format!("{}{up_body}", header(message, version, "up")),
            format!("{}{down_body}", header(message, version, "down")),
        )
    })
}

/// Writes the pair whose contents `make(version)` returns, whole or not at all, with a
/// version no concurrent run takes (see [`pair`]).
pub fn write_with(
    settings: &Settings,
    printer: &Printer,
    message: &str,
    make: impl Fn(i64) -> (String, String),
) -> Result<(i64, std::path::PathBuf, std::path::PathBuf), MigratorError> {
    let slug = files::slugify(message);
    let written = pair::write_new(&settings.migrations_dir, &slug, make)?;
    for note in &written.notes {
        printer.warn(note)?;
    }
    Ok((written.version, written.up, written.down))
}

/// Header of a generated migration file (after the `-- WARNING:` lines of the up file).
pub fn generated_header(
    message: &str,
    version: i64,
    direction: &str,
    schema: &str,
    verified: bool,
) -> String {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let proof = if verified {
        "proven by round trip on a shadow database"
    } else {
        "NOT proven (--no-verify)"
    };
    format!(
        "-- {direction}: {}\n-- Version {version}, generated {now} by `migrator makemigrations` from {} ({proof}).\n\n",
        comment_safe(message),
        comment_safe(schema)
    )
}

/// schema.sql: `--schema`/SCHEMA_FILE (explicit: it must exist), else `schema.sql` beside the
/// migrations folder (optional). Returns the path and how it was given, if explicitly.
pub fn schema_path(
    settings: &Settings,
    args: &MakemigrationsArgs,
) -> (std::path::PathBuf, Option<&'static str>) {
    match args.schema.as_ref().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => {
            let by_env = settings
                .schema_file_env
                .as_ref()
                .is_some_and(|v| v == p.as_os_str());
            (
                p.clone(),
                Some(if by_env { "SCHEMA_FILE" } else { "--schema" }),
            )
        }
        None => (settings.migrations_dir.join("..").join("schema.sql"), None),
    }
}

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &MakemigrationsArgs,
) -> Result<ExitCode, MigratorError> {
    let (path, given_by) = schema_path(settings, args);
    let shown = path.display().to_string();
    // --check compares and never writes: it wins over --empty.
    let empty = args.empty && !args.check;
    if !empty && !path.exists() {
        // A path given explicitly that is not there is a mistake (a typo must not make the
        // CI gate pass); only the default location is optional.
        if let Some(given_by) = given_by {
            return Err(MigratorError::SchemaFileMissing {
                path: shown,
                given_by: given_by.to_string(),
            });
        }
        if args.check {
            printer.status(&format!("No schema file at {shown}: nothing to check."))?;
            return Ok(ExitCode::Success);
        }
        printer.status(&format!(
            "No schema file at {shown}: writing an empty migration (pass --schema FILE or set SCHEMA_FILE to generate one)."
        ))?;
    }
    if empty || !path.exists() {
        let (version, up, down) = write(settings, printer, &args.message, "", "")?;
        report(settings, printer, version, &args.message, &up, &down)?;
        return Ok(ExitCode::Success);
    }
    let bytes = std::fs::read(&path).map_err(|source| MigratorError::ReadFile {
        path: path.clone(),
        source,
    })?;
    let sql =
        String::from_utf8(bytes).map_err(|_| MigratorError::NotUtf8 { path: path.clone() })?;
    if let Some(p) = sqlcheck::check_schema(&sql) {
        return Err(SchemaError::SchemaFile {
            path: shown,
            position: format!(" at line {}, column {}", p.line, p.column),
            message: format!("{} ({})", p.what, p.fix),
        }
        .into());
    }
    let migrations = if settings.migrations_dir.exists() {
        commands::scan(settings, printer)?
    } else {
        Vec::new()
    };
    // Every migration is replayed on a shadow database: each is checked first.
    let scripts = migrations
        .iter()
        .map(|m| (m.up_path.as_path(), m.up_sql.as_str()));
    commands::preflight(settings, scripts, "migrator makemigrations")?;
    // The shadow databases go on SHADOW_DATABASE_URL's server, else on DATABASE_URL's.
    let shadow_url = match &settings.shadow_database_url {
        Ok(u) => u.clone(),
        Err(()) => {
            return Err(SchemaError::Shadow {
                doing: "reading SHADOW_DATABASE_URL".into(),
                message: "the value is not valid UTF-8".into(),
            }
            .into());
        }
    };
    let url = shadow_url
        .as_deref()
        .or(settings.database_url.as_deref())
        .ok_or(MigratorError::NoDatabaseUrl)?;
    let request = Request {
        url,
        migrations: &migrations,
        schema_path: &shown,
        schema_sql: &sql,
        verify: !args.no_verify && !args.check,
        strict: args.strict && !args.check,
        cache: !args.no_cache,
    };
    let outcome = generate(&request).await?;
    for note in &outcome.notes {
        printer.warn(note)?;
    }
    let cache = match outcome.cache_hit {
        Some(true) => " (migrations from the cache)",
        Some(false) => " (migrations replayed, now cached)",
        None => "",
    };
    printer.verbose(&format!(
        "shadow databases built in {:.0} ms, diff in {:.0} ms{}{cache}",
        outcome.replay.as_secs_f64() * 1000.0,
        outcome.diff.as_secs_f64() * 1000.0,
        outcome
            .verify
            .map(|v| format!(", proof in {:.0} ms", v.as_secs_f64() * 1000.0))
            .unwrap_or_default()
    ))?;
    let plan = outcome.plan;
    if plan.is_empty() {
        printer.status("No changes detected")?;
        return Ok(ExitCode::Success);
    }
    if args.check {
        printer.status(&format!(
            "{shown} has changes that no migration captures ({} operation(s)):",
            plan.ops.iter().filter(|o| o.up.is_some()).count()
        ))?;
        for op in plan.ops.iter().filter(|o| o.up.is_some()) {
            printer.status(&format!("  {}", op.key))?;
        }
        printer.status("hint: generate the migration with: migrator makemigrations -m \"…\"")?;
        return Ok(ExitCode::Failure);
    }
    let hazards = plan.hazards();
    for h in &hazards {
        printer.warn(&h.line())?;
    }
    let warnings = lint::header(&hazards);
    let verified = outcome.verify.is_some();
    let (up_sql, down_sql) = (plan.up_sql(), plan.down_sql());
    let (version, up, down) = write_with(settings, printer, &args.message, |version| {
        (
            format!(
                "{warnings}{}{up_sql}",
                generated_header(&args.message, version, "up", &shown, verified)
            ),
            format!(
                "{}{down_sql}",
                generated_header(&args.message, version, "down", &shown, verified)
            ),
        )
    })?;
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
