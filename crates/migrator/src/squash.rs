//! Squashed migrations in the bookkeeping. A squash is the pair `squash` writes at version TO;
//! its up file's header lists every version it replaces with the SHA-384 its up file had
//! (`-- admin:replaces <VERSION> <hex>`, read by [`crate::files::parse_replaces`]).
//!
//! A database whose `_sqlx_migrations` has a row for every replaced version, each with the
//! recorded checksum, has the squash applied: [`resolve`] shows its rows as the files see them
//! (the replaced rows become one row for TO with the squash's checksum), and [`record`] (under
//! the migration lock, in one transaction) makes the table exactly that, which is what sqlx
//! expects for the folder. None of the replaced rows: the squash is pending like any
//! migration. Some of them: an integrity error.

use protocol::diag::Diagnostic;
use protocol::text::{FileRef, MigratorNames, Text};
use sqlx::Connection;

use crate::db::{AppliedRow, Db, describe};
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::files::LocalMigration;
use crate::output::Printer;

#[derive(Debug, thiserror::Error)]
#[error("{}", self.diagnostic().render(&MigratorNames))]
pub enum SquashError {
    /// A malformed `-- admin:replaces` line (the reference carries the line).
    BadReplaces { file: FileRef, why: String },
    /// FROM or TO is not the version of a migration file.
    UnknownVersion { version: i64, which: &'static str },
    /// Fewer than two migrations in FROM..=TO, or TO not after FROM.
    BadRange { from: i64, to: i64, count: usize },
    /// A `-- no-transaction` migration in the range.
    NoTransaction { file: FileRef },
    /// A statement the schema difference cannot carry (default mode).
    DataStatement {
        file: FileRef,
        what: String,
        range: Vec<String>,
    },
    /// Some, not all, of the replaced versions are applied.
    Partial {
        squash: i64,
        applied: Vec<i64>,
        missing: Vec<i64>,
        /// The newest applied version older than every replaced one.
        below: Option<i64>,
    },
    /// A replaced version ran with another file than the one the squash replaces.
    ReplacedModified { squash: i64, version: i64 },
    /// The squash failed its proof on the shadow database (nothing written).
    ProofFailed {
        stage: String,
        residual: String,
        concat: bool,
    },
}

fn list(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

impl SquashError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            SquashError::Partial { .. } | SquashError::ReplacedModified { .. } => {
                ExitCode::Integrity
            }
            SquashError::ProofFailed { .. } => ExitCode::VerifyFailed,
            _ => ExitCode::InvalidInput,
        }
    }

    /// The error as data (see [`MigratorError::diagnostic`]).
    pub fn diagnostic(&self) -> Diagnostic {
        let d = |kind: &str, message: Text| Diagnostic::new(self.exit_code().code(), kind, message);
        fn p(s: impl Into<String>) -> Text {
            Text::plain(s)
        }
        match self {
            SquashError::BadReplaces { file, why } => d(
                "bad_replaces",
                p("").file(file.clone()).t(format!(": malformed `-- admin:replaces` line: {why}")),
            )
            .hint(p("restore the header squash wrote (git checkout -- ").file(file.clone()).t(")")),
            SquashError::UnknownVersion { version, which } => d(
                "squash_unknown_version",
                p(format!("{which} {version} is not the version of a migration file")),
            )
            .hint(p("list the versions with: ").cmd(&["history"])),
            SquashError::BadRange { from, to, count } => d(
                "squash_range",
                p(format!(
                    "nothing to squash: {from}..={to} holds {count} migration(s); a squash replaces at least 2, and TO must come after FROM"
                )),
            )
            .hint(p("pick FROM and TO among the versions of: ").cmd(&["history"])),
            SquashError::NoTransaction { file } => d(
                "squash_no_transaction",
                p("").file(file.clone()).t(
                    " is a `-- no-transaction` migration: it cannot be squashed (its statement cannot run in the squash's transaction)\nnothing was written",
                ),
            )
            .hint(p("squash the migrations before it and those after it separately, leaving it alone")),
            SquashError::DataStatement { file, what, range } => d(
                "squash_data",
                p("").file(file.clone()).t(format!(
                    " holds a data statement ({what}): the squash is the schema difference, which would lose it\nnothing was written"
                )),
            )
            .hint({
                let mut cmd = vec!["squash".to_string()];
                cmd.extend(range.iter().cloned());
                cmd.extend(["-m".into(), "\"…\"".into(), "--concat".into()]);
                p("keep the scripts as they are (concatenated, still proven): ").cmd(&cmd)
            }),
            SquashError::Partial {
                squash,
                applied,
                missing,
                below,
            } => {
                let back = below.map_or_else(|| "base".to_string(), |b| b.to_string());
                let last = missing.iter().chain(applied).max().copied().unwrap_or(*squash);
                d(
                    "squash_partial",
                    p(format!(
                        "migration {squash} squashes {} migration(s), but this database applied only some of them: {} applied, {} not\nnothing was run",
                        applied.len() + missing.len(),
                        list(applied),
                        list(missing)
                    )),
                )
                .hint(
                    p("bring it to the end of the squash with the old files first (check out the commit before the squash, run ")
                        .cmd(&["migrate", &last.to_string()])
                        .t(", come back), or revert below the squash: ")
                        .cmd(&["downgrade", &back]),
                )
            }
            SquashError::ProofFailed {
                stage,
                residual,
                concat,
            } => d(
                "verify_failed",
                p(format!(
                    "the squash failed its proof ({stage}); nothing was written\n{residual}"
                )),
            )
            .hint(p(if *concat {
                "the scripts do not work one after the other in one script: squash without --concat, or a smaller range"
            } else {
                "keep the scripts as they are with --concat, or squash a smaller range"
            })),
            SquashError::ReplacedModified { squash, version } => d(
                "squash_modified",
                p(format!(
                    "applied migration {version} is replaced by squash {squash}, but it ran with another file: its checksum is not the one the squash records\nnothing was run"
                )),
            )
            .hint(p(format!(
                "this database did not run what squash {squash} replaces: restore the old files (git) and compare, or revert below {version} with the old files first"
            ))),
        }
    }
}

impl From<SquashError> for MigratorError {
    fn from(e: SquashError) -> Self {
        MigratorError::Squash(e)
    }
}

/// A bookkeeping rewrite: the replaced rows out, one row for the squash in.
#[derive(Debug, Clone, PartialEq)]
pub struct Rewrite {
    pub row: AppliedRow,
    pub replaced: Vec<i64>,
}

/// The rows as the files see them, and the rewrites that would make the table so. Pure.
pub fn resolve(
    local: &[LocalMigration],
    mut rows: Vec<AppliedRow>,
) -> Result<(Vec<AppliedRow>, Vec<Rewrite>), SquashError> {
    let mut rewrites = Vec::new();
    for m in local.iter().filter(|m| !m.replaces.is_empty()) {
        let recorded = rows
            .iter()
            .any(|r| r.version == m.version && r.checksum == m.checksum);
        let (applied, missing): (Vec<i64>, Vec<i64>) = m
            .replaces
            .iter()
            .map(|(v, _)| *v)
            .partition(|v| rows.iter().any(|r| r.version == *v));
        if recorded || applied.is_empty() {
            continue;
        }
        if !missing.is_empty() {
            let first = m
                .replaces
                .iter()
                .map(|(v, _)| *v)
                .min()
                .unwrap_or(m.version);
            return Err(SquashError::Partial {
                squash: m.version,
                applied,
                missing,
                below: rows.iter().map(|r| r.version).filter(|v| *v < first).max(),
            });
        }
        let replaced: Vec<&AppliedRow> = rows
            .iter()
            .filter(|r| m.replaces.iter().any(|(v, _)| *v == r.version))
            .collect();
        if replaced.iter().any(|r| !r.success) {
            continue; // a failed row: integrity reports it as it is
        }
        if let Some(r) = replaced.iter().find(|r| {
            m.replaces
                .iter()
                .any(|(v, c)| *v == r.version && *c != r.checksum)
        }) {
            return Err(SquashError::ReplacedModified {
                squash: m.version,
                version: r.version,
            });
        }
        let installed_on = replaced
            .iter()
            .find(|r| r.version == m.version)
            .or_else(|| replaced.iter().max_by_key(|r| r.version))
            .map(|r| r.installed_on)
            .unwrap_or_default();
        let row = AppliedRow {
            version: m.version,
            description: m.description.clone(),
            installed_on,
            success: true,
            checksum: m.checksum.clone(),
            execution_time: replaced.iter().map(|r| r.execution_time.max(0)).sum(),
        };
        let versions: Vec<i64> = replaced.iter().map(|r| r.version).collect();
        rows.retain(|r| !versions.contains(&r.version));
        rows.push(row.clone());
        rewrites.push(Rewrite {
            row,
            replaced: versions,
        });
    }
    rows.sort_by_key(|r| r.version);
    Ok((rows, rewrites))
}

/// Makes `_sqlx_migrations` what [`resolve`] shows, in one transaction (the caller holds the
/// migration lock); one status line per squash.
pub async fn record(
    db: &mut Db,
    printer: &Printer,
    rewrites: &[Rewrite],
) -> Result<(), MigratorError> {
    if rewrites.is_empty() {
        return Ok(());
    }
    let err = |doing: &str, e: sqlx::Error| MigratorError::Database {
        doing: doing.to_string(),
        message: describe(&e),
    };
    let mut tx = db
        .conn()
        .begin()
        .await
        .map_err(|e| err("starting a transaction", e))?;
    for w in rewrites {
        let doing = format!("recording squash {}", w.row.version);
        let deleted = sqlx::query("DELETE FROM _sqlx_migrations WHERE version = ANY($1)")
            .bind(&w.replaced)
            .execute(&mut *tx)
            .await
            .map_err(|e| err(&doing, e))?
            .rows_affected();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
             VALUES ($1, $2, $3, TRUE, $4, $5)",
        )
        .bind(w.row.version)
        .bind(&w.row.description)
        .bind(w.row.installed_on)
        .bind(&w.row.checksum)
        .bind(w.row.execution_time)
        .execute(&mut *tx)
        .await
        .map_err(|e| err(&doing, e))?;
        if deleted != w.replaced.len() as u64 {
            return Err(MigratorError::Database {
                doing,
                message: format!(
                    "expected {} replaced row(s), found {deleted}; nothing was changed",
                    w.replaced.len()
                ),
            });
        }
    }
    tx.commit()
        .await
        .map_err(|e| err("committing the squash bookkeeping", e))?;
    for w in rewrites {
        printer.status(&format!(
            "recorded squash {} ({}) as applied in _sqlx_migrations (replaced {} rows: {})",
            w.row.version,
            w.row.description,
            w.replaced.len(),
            list(&w.replaced)
        ))?;
    }
    Ok(())
}

/// The rows of `_sqlx_migrations` as the files see them (see [`resolve`]), read-only.
pub async fn applied(
    db: &mut Db,
    local: &[LocalMigration],
) -> Result<Vec<AppliedRow>, MigratorError> {
    let rows = db.applied().await?;
    Ok(resolve(local, rows)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::checksum;

    fn local(v: i64, sql: &str, replaces: &[(i64, &str)]) -> LocalMigration {
        LocalMigration {
            replaces: replaces.iter().map(|(v, s)| (*v, checksum(s))).collect(),
            version: v,
            description: format!("m{v}"),
            up_path: format!("/m/{v}_m.up.sql").into(),
            up_sql: sql.into(),
            checksum: checksum(sql),
            down_path: None,
            down_sql: None,
            reversible: true,
        }
    }

    fn row(v: i64, sql: &str) -> AppliedRow {
        AppliedRow {
            version: v,
            description: format!("m{v}"),
            installed_on: chrono::DateTime::UNIX_EPOCH + chrono::TimeDelta::seconds(v),
            success: true,
            checksum: checksum(sql),
            execution_time: 10,
        }
    }

    #[test]
    fn a_squash_applied_through_its_replaced_rows_is_rewritten() {
        let l = vec![
            local(3, "sq", &[(1, "a"), (2, "b"), (3, "c")]),
            local(4, "d", &[]),
        ];
        let (rows, rewrites) =
            resolve(&l, vec![row(1, "a"), row(2, "b"), row(3, "c"), row(4, "d")])
                .unwrap_or_default();
        let seen: Vec<(i64, Vec<u8>)> = rows
            .iter()
            .map(|r| (r.version, r.checksum.clone()))
            .collect();
        assert_eq!(seen, vec![(3, checksum("sq")), (4, checksum("d"))]);
        assert_eq!(rewrites.len(), 1);
        assert_eq!(rewrites[0].replaced, vec![1, 2, 3]);
        assert_eq!(rewrites[0].row.installed_on, row(3, "c").installed_on);
        assert_eq!(rewrites[0].row.execution_time, 30);
        // Recorded already, or none applied: nothing to rewrite.
        for rows in [vec![row(3, "sq")], vec![]] {
            let (_, w) = resolve(&l, rows).unwrap_or_default();
            assert!(w.is_empty());
        }
    }

    #[test]
    fn partial_or_modified_replaced_rows_are_integrity_errors() {
        let l = vec![local(3, "sq", &[(1, "a"), (2, "b"), (3, "c")])];
        let partial = resolve(&l, vec![row(0, "z"), row(1, "a"), row(2, "b")]);
        let Err(e) = partial else {
            panic!("partial accepted")
        };
        assert_eq!(e.exit_code(), ExitCode::Integrity);
        let msg = e.to_string();
        assert!(msg.contains("1, 2 applied, 3 not"), "{msg}");
        assert!(
            msg.contains("migrator migrate 3") && msg.contains("migrator downgrade 0"),
            "{msg}"
        );
        let modified = resolve(&l, vec![row(1, "a"), row(2, "B"), row(3, "c")]);
        assert!(matches!(
            modified,
            Err(SquashError::ReplacedModified {
                squash: 3,
                version: 2
            })
        ));
    }
}
