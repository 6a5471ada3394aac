//! `migrator makemigrations -m MSG [--empty] [--schema FILE] [--check] [--strict] [--no-verify]
//! [--no-cache]`: a new `.up.sql`/`.down.sql` pair, generated from the difference between what
//! the migrations build and schema.sql (empty when there is no schema file, or with `--empty`).
//! From a folder it writes the pair there; from admin's file bundle it writes nothing and
//! returns the pair as data (admin writes it on the host).

use protocol::results::{NewFile, Outcome};
use protocol::text::{FileRef, Text};

use crate::cli::MakemigrationsArgs;
use crate::error::{MigratorError, migration_ref, schema_ref};
use crate::exit::ExitCode;
use crate::output::Printer;
use crate::schema::SchemaError;
use crate::schema::generate::{Request, generate};
use crate::schema::lint;
use crate::settings::Settings;
use crate::{commands, files, pair, sqlcheck};

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
        "-- Write the SQL that undoes the up migration below (a downgrade runs it).\n"
    };
    format!(
        "-- {direction}: {}\n-- Version {version}, created {now} by makemigrations.\n{body}",
        comment_safe(message)
    )
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
        "-- {direction}: {}\n-- Version {version}, generated {now} by makemigrations from {} ({proof}).\n\n",
        comment_safe(message),
        comment_safe(schema)
    )
}

/// schema.sql as this run sees it: how it is shown, how it was named when explicitly (then it
/// must exist), and its bytes when it exists.
pub struct SchemaInput {
    pub shown: String,
    pub given_by: Option<String>,
    pub bytes: Option<Vec<u8>>,
}

/// schema.sql: from admin's bundle; else `--schema`/SCHEMA_FILE (explicit: it must exist), else
/// `schema.sql` beside the migrations folder (optional).
pub fn schema_input(
    settings: &Settings,
    args: &MakemigrationsArgs,
) -> Result<SchemaInput, MigratorError> {
    schema_input_at(settings, args.schema.as_deref())
}

/// [`schema_input`] with the `--schema` argument given (makemigrations', graph's).
pub fn schema_input_at(
    settings: &Settings,
    schema: Option<&std::path::Path>,
) -> Result<SchemaInput, MigratorError> {
    if let Some(bundle) = &settings.bundle {
        return Ok(match &bundle.schema {
            Some(s) => SchemaInput {
                shown: s.shown.clone(),
                given_by: s
                    .explicit
                    .then(|| s.given_by.clone().unwrap_or_else(|| "--schema".into())),
                bytes: s.bytes.clone(),
            },
            None => SchemaInput {
                shown: "schema.sql".into(),
                given_by: None,
                bytes: None,
            },
        });
    }
    let (path, given_by) = match schema.filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => {
            let by_env = settings
                .schema_file_env
                .as_ref()
                .is_some_and(|v| v == p.as_os_str());
            let by = if by_env { "SCHEMA_FILE" } else { "--schema" };
            (p.to_path_buf(), Some(by.to_string()))
        }
        None => (beside(&settings.migrations_dir), None),
    };
    let shown = path.display().to_string();
    let bytes = match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(MigratorError::ReadFile {
                file: schema_ref(&shown),
                source,
            });
        }
    };
    Ok(SchemaInput {
        shown,
        given_by,
        bytes,
    })
}

/// `schema.sql` beside the migrations folder: `/app/schema.sql` for `/app/migrations` (not
/// `/app/migrations/../schema.sql`, which messages would show).
pub fn beside(dir: &std::path::Path) -> std::path::PathBuf {
    match dir.components().next_back() {
        Some(std::path::Component::Normal(_)) => dir
            .parent()
            .map_or_else(|| "schema.sql".into(), |p| p.join("schema.sql")),
        _ => dir.join("..").join("schema.sql"),
    }
}

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &MakemigrationsArgs,
) -> Result<ExitCode, MigratorError> {
    if args.from_database {
        return from_database(settings, printer, args).await;
    }
    let input = schema_input(settings, args)?;
    let shown = input.shown.clone();
    let schema_file = schema_ref(&shown);
    // --check compares and never writes: it wins over --empty.
    let empty = args.empty && !args.check;
    if !empty && input.bytes.is_none() {
        // A path given explicitly that is not there is a mistake (a typo must not make the
        // CI gate pass); only the default location is optional.
        if let Some(given_by) = input.given_by {
            return Err(MigratorError::SchemaFileMissing {
                file: schema_file,
                given_by,
            });
        }
        // A gate that cannot compare must not pass.
        if args.check {
            return Err(MigratorError::NothingToCheck { file: schema_file });
        }
        let no_file = Text::plain("No schema file at ").file(schema_file.clone());
        printer.note(&no_file.t(
            ": writing an empty migration (pass --schema FILE or set SCHEMA_FILE to generate one).",
        ))?;
    }
    let Some(bytes) = input.bytes.filter(|_| !empty) else {
        let m = &args.message;
        emit(settings, printer, m, |v| {
            (header(m, v, "up"), header(m, v, "down"))
        })?;
        return Ok(ExitCode::Success);
    };
    let sql = String::from_utf8(bytes).map_err(|_| MigratorError::NotUtf8 {
        file: schema_file.clone(),
    })?;
    if let Some(p) = sqlcheck::check_schema(&sql) {
        return Err(SchemaError::SchemaFile {
            file: schema_file,
            position: format!(" at line {}, column {}", p.line, p.column),
            message: format!("{} ({})", p.what, p.fix),
        }
        .into());
    }
    let migrations = replayable(settings, printer, &["makemigrations"])?;
    generate_and_emit(settings, printer, args, &migrations, &shown, &sql).await
}

/// The migrations (none when the folder does not exist yet), each checked first: every one is
/// replayed on a shadow database.
fn replayable(
    settings: &Settings,
    printer: &Printer,
    retry: &[&str],
) -> Result<Vec<files::LocalMigration>, MigratorError> {
    let migrations = if settings.bundle.is_some() || settings.migrations_dir.exists() {
        commands::scan(settings, printer)?
    } else {
        Vec::new()
    };
    let scripts = migrations
        .iter()
        .map(|m| (m.up_path.as_path(), m.up_sql.as_str()));
    commands::preflight(settings, scripts, retry)?;
    Ok(migrations)
}

/// `--from-database`: the live schema (rendered and proven as `pull` does) is the target, so
/// the migration records what was changed in the database by hand.
async fn from_database(
    settings: &Settings,
    printer: &Printer,
    args: &MakemigrationsArgs,
) -> Result<ExitCode, MigratorError> {
    let (sql, _) = super::pull::live_schema_sql(settings).await?;
    let migrations = replayable(settings, printer, &["makemigrations", "--from-database"])?;
    generate_and_emit(settings, printer, args, &migrations, "the database", &sql).await
}

async fn generate_and_emit(
    settings: &Settings,
    printer: &Printer,
    args: &MakemigrationsArgs,
    migrations: &[files::LocalMigration],
    shown: &str,
    sql: &str,
) -> Result<ExitCode, MigratorError> {
    // The shadow databases go on SHADOW_DATABASE_URL's server, else on DATABASE_URL's.
    let shadow_url = commands::shadow_url(settings)?;
    let url = shadow_url.as_str();
    let request = Request {
        url,
        pgpassword: settings.pgpassword.as_deref(),
        migrations,
        schema_path: shown,
        schema_sql: sql,
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
        printer.report(&Outcome::Changes {
            schema: schema_ref(shown),
            ops: plan
                .ops
                .iter()
                .filter(|o| o.up.is_some())
                .map(|o| o.key.clone())
                .collect(),
        })?;
        return Ok(ExitCode::Failure);
    }
    let hazards = plan.hazards();
    for h in &hazards {
        printer.warn(&h.line())?;
    }
    let warnings = lint::header(&hazards);
    let verified = outcome.verify.is_some();
    let (up_sql, down_sql) = (plan.up_sql(), plan.down_sql());
    let m = &args.message;
    emit(settings, printer, m, |version| {
        (
            format!(
                "{warnings}{}{up_sql}",
                generated_header(m, version, "up", shown, verified)
            ),
            format!(
                "{}{down_sql}",
                generated_header(m, version, "down", shown, verified)
            ),
        )
    })?;
    Ok(ExitCode::Success)
}

/// Writes the pair whose contents `make(version)` returns (whole or not at all, with a version
/// no concurrent run takes, see [`pair`]) and reports it; from a bundle, reports the pair as
/// data instead (admin writes it). Returns the version.
pub fn emit(
    settings: &Settings,
    printer: &Printer,
    message: &str,
    make: impl Fn(i64) -> (String, String),
) -> Result<i64, MigratorError> {
    let slug = files::slugify(message);
    let description = slug.replace('_', " ");
    if let Some(bundle) = &settings.bundle {
        let existing = files::from_bundle(bundle)?;
        let newest = existing.iter().map(|m| m.version).max();
        let version = files::next_version(chrono::Utc::now(), newest).ok_or_else(|| {
            let file = existing
                .iter()
                .max_by_key(|m| m.version)
                .map(|m| migration_ref(&m.up_path))
                .unwrap_or_else(|| settings.dir_ref());
            MigratorError::NoVersionLeft {
                file,
                version: newest.unwrap_or(i64::MAX),
            }
        })?;
        let (up, down) = make(version);
        printer.report(&Outcome::Generated {
            version,
            description,
            up: NewFile {
                name: format!("{version}_{slug}.up.sql"),
                text: up,
            },
            down: NewFile {
                name: format!("{version}_{slug}.down.sql"),
                text: down,
            },
        })?;
        return Ok(version);
    }
    let written = pair::write_new(&settings.migrations_dir, &slug, make)?;
    for note in &written.notes {
        printer.warn(note)?;
    }
    let file = |p: &std::path::Path| -> FileRef { settings.file_ref(p) };
    printer.report(&Outcome::Created {
        version: written.version,
        description,
        up: file(&written.up),
        down: file(&written.down),
    })?;
    Ok(written.version)
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
