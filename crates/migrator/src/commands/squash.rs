//! `migrator squash [FROM] TO -m MSG [--concat]`: one proven migration in place of the
//! migrations FROM..=TO (FROM: the first migration), at TO's version so everything after TO
//! still sorts after it. Its up file's header records each replaced version with the SHA-384
//! of its up file (`-- admin:replaces <VERSION> <hex>`, see [`crate::squash`]).
//!
//! The migrations before FROM are replayed on a shadow database (state A), those of the range
//! on top on another (state B). By default the up script is the autogenerate diff A→B and the
//! down script B→A; a range holding a data statement is refused then (the diff would lose it).
//! `--concat` keeps the replaced scripts instead (ups in order, downs in reverse). Either way
//! the pair is proven on state A the way `migrate` runs it: up must reach B exactly, down must
//! come back to A. Standalone the pair replaces the old files in the folder (whole, see
//! [`crate::pair::replace`]); from admin's bundle it goes back as data with the names to
//! remove, and admin writes it on the host.

use protocol::cli::SquashArgs;
use protocol::results::{NewFile, Outcome};

use crate::commands;
use crate::commands::makemigrations::comment_safe;
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::files::{self, LocalMigration};
use crate::output::Printer;
use crate::schema::SchemaError;
use crate::schema::diff::diff;
use crate::schema::introspect::introspect;
use crate::schema::renames::Renames;
use crate::schema::shadow::{Shadows, close};
use crate::schema::verify::{Mode, prove_scripts};
use crate::settings::Settings;
use crate::squash::SquashError;
use crate::{pair, sqlcheck};

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &SquashArgs,
) -> Result<ExitCode, MigratorError> {
    let local = commands::scan(settings, printer)?;
    let (before, range) = select(&local, &args.range)?;
    check_range(settings, range, args)?;
    let mut retry = vec!["squash".to_string()];
    retry.extend(args.range.iter().map(i64::to_string));
    retry.extend(["-m".into(), format!("\"{}\"", args.message)]);
    if args.concat {
        retry.push("--concat".into());
    }
    let retry: Vec<&str> = retry.iter().map(String::as_str).collect();
    // Every script replayed is checked first, as makemigrations does.
    let scripts = before
        .iter()
        .chain(range)
        .map(|m| (m.up_path.as_path(), m.up_sql.as_str()));
    commands::preflight(settings, scripts, &retry)?;
    let (up, down, hazards) = build(settings, before, range, args.concat).await?;
    for h in &hazards {
        printer.warn(h)?;
    }
    write(settings, printer, range, args, (&up, &down))?;
    Ok(ExitCode::Success)
}

/// The migrations before FROM and those of FROM..=TO.
fn select<'a>(
    local: &'a [LocalMigration],
    versions: &[i64],
) -> Result<(&'a [LocalMigration], &'a [LocalMigration]), SquashError> {
    let (from, to) = match versions {
        [from, to] => (*from, *to),
        [to] => (local.first().map_or(*to, |m| m.version), *to),
        _ => {
            return Err(SquashError::BadRange {
                from: 0,
                to: 0,
                count: 0,
            });
        }
    };
    let index = |version: i64, which| {
        local
            .iter()
            .position(|m| m.version == version)
            .ok_or(SquashError::UnknownVersion { version, which })
    };
    let (start, end) = (index(from, "FROM")?, index(to, "TO")?);
    if end <= start {
        let count = if end == start { 1 } else { 0 };
        return Err(SquashError::BadRange { from, to, count });
    }
    Ok((&local[..start], &local[start..=end]))
}

/// Refuses what cannot be squashed: a no-transaction migration; by default a data statement.
fn check_range(
    settings: &Settings,
    range: &[LocalMigration],
    args: &SquashArgs,
) -> Result<(), SquashError> {
    for m in range {
        if m.up_no_tx() || m.down_sql.as_deref().is_some_and(files::is_no_tx) {
            return Err(SquashError::NoTransaction {
                file: settings.file_ref(&m.up_path),
            });
        }
        if args.concat {
            continue;
        }
        if let Some((line, column, what)) = sqlcheck::data_statement(&m.up_sql) {
            return Err(SquashError::DataStatement {
                file: settings.file_ref(&m.up_path).at(line, column),
                what,
                range: args.range.iter().map(i64::to_string).collect(),
            });
        }
    }
    Ok(())
}

/// A replaced script inside a concatenated squash: a `-- from` line, the script with the
/// `-- admin:replaces` lines of an earlier squash made plain comments (they describe that
/// squash, not this one), ending with a line break.
fn quoted(name: &str, sql: &str) -> String {
    let mut out = format!("-- from {}\n", comment_safe(name));
    for line in sql.split_inclusive('\n') {
        match line.strip_prefix(files::REPLACES) {
            Some(rest) => out.push_str(&format!("-- (an earlier squash) replaces{rest}")),
            None => out.push_str(line),
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    if sqlcheck::ends_open(sql) {
        // Its last statement has no `;`: the next script must not continue it.
        out.push_str(";\n");
    }
    out
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The up and down bodies, proven on state A, and the lint findings of a generated diff.
async fn build(
    settings: &Settings,
    before: &[LocalMigration],
    range: &[LocalMigration],
    concat: bool,
) -> Result<(String, String, Vec<String>), MigratorError> {
    let url = commands::shadow_url(settings)?;
    let all: Vec<LocalMigration> = before.iter().chain(range).cloned().collect();
    let built = Shadows::scoped(
        &url,
        settings.pgpassword.as_deref(),
        async |sh: &Shadows| {
            let (a_db, b_db) = tokio::try_join!(sh.create(), sh.create())?;
            let mut a = sh.connect(&a_db).await?;
            sh.replay(&mut a, before).await?;
            let state_a = introspect(&mut a).await?;
            let mut b = sh.connect(&b_db).await?;
            sh.replay(&mut b, &all).await?;
            let state_b = introspect(&mut b).await?;
            close(b).await?;
            let (up, down, hazards) = if concat {
                let up: String = range
                    .iter()
                    .map(|m| quoted(&file_name(&m.up_path), &m.up_sql))
                    .collect::<Vec<_>>()
                    .join("\n");
                // The downs concatenated in reverse; when a replaced migration has none, the
                // way back is generated instead (the schema difference, as makemigrations
                // writes a down), and proven the same.
                let down = if range.iter().all(|m| m.down_sql.is_some()) {
                    range
                        .iter()
                        .rev()
                        .filter_map(|m| {
                            Some(quoted(
                                &file_name(m.down_path.as_ref()?),
                                m.down_sql.as_ref()?,
                            ))
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                } else {
                    let plan = diff(&state_a, &state_b, &Renames::default())?;
                    format!(
                        "-- generated: not every replaced migration has a down file\n{}",
                        plan.down_sql()
                    )
                };
                (up, down, Vec::new())
            } else {
                let plan = diff(&state_a, &state_b, &Renames::default())?;
                let hazards = plan.hazards().iter().map(|h| h.line()).collect();
                (plan.up_sql(), plan.down_sql(), hazards)
            };
            prove_scripts(
                sh,
                a,
                &a_db,
                Mode::Plain,
                (&state_a, &state_b),
                (&up, &down),
            )
            .await?;
            Ok::<_, SchemaError>((up, down, hazards))
        },
    )
    .await;
    match built {
        Ok(built) => Ok(built),
        // The proof's words are makemigrations' (schema.sql, what the migrations build).
        Err(SchemaError::VerifyFailed { stage, residual }) => Err(SquashError::ProofFailed {
            stage: stage
                .replace("schema.sql", "what the replaced migrations build")
                .replace("what the migrations build", "the state before FROM"),
            residual,
            concat,
        }
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// The headers: what the squash says, where it comes from, and (up) the replaced versions.
fn headers(args: &SquashArgs, range: &[LocalMigration]) -> (String, String) {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let (first, last) = (
        range.first().map_or(0, |m| m.version),
        range.last().map_or(0, |m| m.version),
    );
    let how = if args.concat {
        "the replaced scripts concatenated"
    } else {
        "the schema difference they make"
    };
    let message = comment_safe(&args.message);
    let mut up = format!(
        "-- up: {message}\n-- Version {last}, squashed {now} from {} migrations ({first}..={last}): {how}, proven by round trip on a shadow database.\n-- A database that applied all of them records this one as applied on its next migrate.\n",
        range.len()
    );
    for m in range {
        up.push_str(&format!(
            "{} {} {}\n",
            files::REPLACES,
            m.version,
            files::to_hex(&m.checksum)
        ));
    }
    up.push('\n');
    let down = format!(
        "-- down: {message}\n-- Version {last}: reverts the squash of {first}..={last}.\n\n"
    );
    (up, down)
}

/// Writes the pair in place of the replaced files (folder), or returns it as data (bundle).
fn write(
    settings: &Settings,
    printer: &Printer,
    range: &[LocalMigration],
    args: &SquashArgs,
    (up_body, down_body): (&str, &str),
) -> Result<(), MigratorError> {
    let version = range.last().map_or(0, |m| m.version);
    let slug = files::slugify(&args.message);
    let description = slug.replace('_', " ");
    let (up_header, down_header) = headers(args, range);
    let up = format!("{up_header}{up_body}");
    let down = format!("{down_header}{down_body}");
    let up_name = format!("{version}_{slug}.up.sql");
    let down_name = format!("{version}_{slug}.down.sql");
    let replaces: Vec<i64> = range.iter().map(|m| m.version).collect();
    let remove: Vec<String> = range
        .iter()
        .flat_map(|m| [Some(&m.up_path), m.down_path.as_ref()])
        .flatten()
        .map(|p| file_name(p))
        .collect();
    if settings.bundle.is_some() {
        printer.report(&Outcome::Squashed {
            version,
            description,
            replaces,
            up: NewFile {
                name: up_name,
                text: up,
            },
            down: NewFile {
                name: down_name,
                text: down,
            },
            remove,
        })?;
        return Ok(());
    }
    let dir = &settings.migrations_dir;
    let (up_path, down_path, notes) =
        pair::replace(dir, version, (&up_name, &up), (&down_name, &down), &remove)?;
    for note in &notes {
        printer.warn(note)?;
    }
    printer.report(&Outcome::SquashWritten {
        version,
        description,
        replaces,
        up: settings.file_ref(&up_path),
        down: settings.file_ref(&down_path),
        removed: remove
            .iter()
            .map(|n| settings.file_ref(&dir.join(n)))
            .collect(),
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_without_its_last_semicolon_gets_one() {
        assert_eq!(
            quoted("1_a.up.sql", "CREATE TABLE t ()\n-- end"),
            "-- from 1_a.up.sql\nCREATE TABLE t ()\n-- end\n;\n"
        );
    }

    #[test]
    fn quoted_scripts_keep_their_sql_and_lose_earlier_directives() {
        let q = quoted("2_a.up.sql", "-- admin:replaces 1 ab\nCREATE TABLE t ();");
        assert_eq!(
            q,
            "-- from 2_a.up.sql\n-- (an earlier squash) replaces 1 ab\nCREATE TABLE t ();\n"
        );
        let parsed =
            files::parse_replaces(std::path::Path::new("x"), &q).map_err(|e| e.to_string());
        assert_eq!(parsed, Ok(vec![]));
    }
}
