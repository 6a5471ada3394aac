//! Leftovers of interrupted no-transaction migrations ([`crate::leftovers`]) as the
//! commands report them: refused before `migrate` runs anything, shown as warnings, and the
//! failures of no-transaction scripts explained with the command that repairs the state.

use protocol::text::Text;

use crate::db::{Db, SqlFailure};
use crate::error::MigratorError;
use crate::files::LocalMigration;
use crate::leftovers::{self, Finding, psql};
use crate::output::Printer;
use crate::plan::Entry;
use crate::settings::Settings;

/// The leftovers in the database for this history (no query when no migration runs outside
/// a transaction).
pub async fn findings(db: &mut Db, entries: &[Entry<'_>]) -> Result<Vec<Finding>, MigratorError> {
    let names = leftovers::names(entries);
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let indexes = db.indexes(&names).await?;
    Ok(leftovers::findings(entries, &indexes))
}

/// Before `migrate` runs anything: the first leftover it must not run over is an error, the
/// others are warnings.
pub async fn check(
    printer: &Printer,
    db: &mut Db,
    entries: &[Entry<'_>],
) -> Result<(), MigratorError> {
    let found = findings(db, entries).await?;
    if let Some(f) = found.iter().find(|f| f.blocks_migrate) {
        return Err(MigratorError::Leftover {
            what: f.what.clone(),
            repair: f.repair.clone(),
        });
    }
    for f in &found {
        printer.warn_text(&f.line())?;
    }
    Ok(())
}

/// SQLSTATEs of "it is there already" (duplicate table/object/column/schema/function).
const EXISTS: [&str; 5] = ["42P07", "42710", "42701", "42P06", "42723"];
/// SQLSTATEs of "it is not there" (undefined object/table/column/schema/function).
const ABSENT: [&str; 5] = ["42704", "42P01", "42703", "3F000", "42883"];

/// The error for a failed no-transaction up script, with what it most likely left behind and
/// how to repair that. `entries` is the history the run started from.
pub async fn up_failure(
    settings: &Settings,
    db: &mut Db,
    entries: &[Entry<'_>],
    m: &LocalMigration,
    f: SqlFailure,
) -> MigratorError {
    let file = settings.file_ref(&m.up_path);
    let mut detail = Text::default();
    let mut hint = Text::plain("fix the file, then run: ").cmd(&["migrate"]);
    // What the failed build left (an INVALID index). Only the explanation depends on these
    // look-ups: if one fails, the error is reported without it.
    let invalid = match (
        leftovers::of(m),
        db.indexes(&leftovers::names(entries)).await,
    ) {
        (Some(_), Ok(indexes)) => leftovers::findings(entries, &indexes)
            .into_iter()
            .find(|x| x.version == Some(m.version) && x.blocks_migrate),
        _ => None,
    };
    if let Some(x) = invalid {
        detail = Text::plain("\n")
            .then(x.what)
            .t("\nfix the cause above first");
        hint = x.repair;
    } else if f.code.as_deref().is_some_and(|c| EXISTS.contains(&c)) {
        detail = Text::plain(
            "\nthe object already exists: if this is what an interrupted run of this same \
             migration left (its statement took effect, its row was never written), it \
             only needs recording",
        );
        if stamp_is_exact(db, entries, m.version).await {
            hint = Text::plain("if the existing object is what ")
                .file(file.clone())
                .t(" makes, record it: ")
                .cmd(&["stamp", &m.version.to_string()]);
        }
    }
    MigratorError::NoTxMigrationFailed {
        file,
        position: f.position,
        message: f.message,
        detail,
        hint,
    }
}

/// Whether `stamp version` would record exactly this one migration (every older one applied,
/// nothing newer applied).
async fn stamp_is_exact(db: &mut Db, entries: &[Entry<'_>], version: i64) -> bool {
    let Ok(rows) = db.applied().await else {
        return false;
    };
    rows.iter().all(|r| r.version < version)
        && entries
            .iter()
            .filter(|e| e.local.is_some() && e.version < version)
            .all(|e| rows.iter().any(|r| r.version == e.version))
}

/// The error for a failed no-transaction down script.
pub fn down_failure(
    settings: &Settings,
    path: &std::path::Path,
    version: i64,
    f: SqlFailure,
) -> MigratorError {
    let (detail, hint) = if f.code.as_deref().is_some_and(|c| ABSENT.contains(&c)) {
        (
            Text::plain(
                "\nthe object does not exist: if a downgrade of this migration was interrupted \
                 after its statement took effect (its row was never removed), only the row is left",
            ),
            Text::plain(format!(
                "repair with: {}, then run: ",
                psql(&format!(
                    "DELETE FROM _sqlx_migrations WHERE version = {version}"
                ))
            ))
            .cmd(&["history"]),
        )
    } else {
        (
            Text::default(),
            Text::plain("fix the file, then run: ").cmd(&["downgrade"]),
        )
    };
    MigratorError::NoTxDowngradeFailed {
        file: settings.file_ref(path),
        position: f.position,
        message: f.message,
        detail,
        hint,
    }
}
