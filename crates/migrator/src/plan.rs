//! Pure bookkeeping: joins the files on disk with the rows of `_sqlx_migrations` into one
//! history, checks integrity and picks what to apply or revert.

use std::collections::BTreeMap;

use super::db::AppliedRow;
use super::error::{MigratorError, dir_ref, migration_ref};
use super::files::LocalMigration;

pub use protocol::results::State;

use super::cli::MigrateTarget;

/// One line of `history`.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub version: i64,
    pub description: String,
    pub state: State,
    pub local: Option<&'a LocalMigration>,
    pub row: Option<&'a AppliedRow>,
}

/// Every version known from files or rows, oldest first.
pub fn history<'a>(local: &'a [LocalMigration], rows: &'a [AppliedRow]) -> Vec<Entry<'a>> {
    let newest_applied = rows.iter().map(|r| r.version).max();
    let mut by_version: BTreeMap<i64, (Option<&LocalMigration>, Option<&AppliedRow>)> =
        BTreeMap::new();
    for m in local {
        by_version.entry(m.version).or_default().0 = Some(m);
    }
    for r in rows {
        by_version.entry(r.version).or_default().1 = Some(r);
    }
    by_version
        .into_iter()
        .map(|(version, (local, row))| {
            let state = match (local, row) {
                (_, Some(r)) if !r.success => State::Failed,
                (Some(m), Some(r)) if m.checksum != r.checksum => State::Modified,
                (Some(_), Some(_)) => State::Applied,
                (None, Some(_)) => State::Missing,
                (Some(_), None) if newest_applied.is_some_and(|n| version < n) => State::OutOfOrder,
                (Some(_), None) => State::Pending,
                (None, None) => State::Missing, // unreachable: the key came from one side
            };
            let description = local
                .map(|m| m.description.clone())
                .or_else(|| row.map(|r| r.description.clone()))
                .unwrap_or_default();
            Entry {
                version,
                description,
                state,
                local,
                row,
            }
        })
        .collect()
}

/// Refuses a history that has modified, missing or failed migrations (and out-of-order pending
/// ones unless allowed). `dir` is only used in messages.
pub fn check_integrity(
    entries: &[Entry<'_>],
    allow_out_of_order: bool,
    dir: &str,
) -> Result<(), MigratorError> {
    for e in entries {
        match e.state {
            State::Failed => return Err(MigratorError::Dirty { version: e.version }),
            State::Modified => {
                return Err(MigratorError::Modified {
                    version: e.version,
                    file: e
                        .local
                        .map(|m| migration_ref(&m.up_path))
                        .unwrap_or_else(|| dir_ref(dir)),
                });
            }
            State::Missing => {
                return Err(MigratorError::Missing {
                    version: e.version,
                    description: e.description.clone(),
                    dir: dir_ref(dir),
                });
            }
            State::OutOfOrder if !allow_out_of_order => {
                let newest = entries
                    .iter()
                    .filter(|x| x.row.is_some())
                    .map(|x| x.version)
                    .max()
                    .unwrap_or(0);
                return Err(MigratorError::OutOfOrder {
                    file: e
                        .local
                        .map(|m| migration_ref(&m.up_path))
                        .unwrap_or_else(|| dir_ref(dir)),
                    newest,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// The migrations `migrate [head | +N | VERSION]` applies, in order.
pub fn to_apply<'a>(
    entries: &[Entry<'a>],
    target: Option<MigrateTarget>,
) -> Result<Vec<&'a LocalMigration>, MigratorError> {
    let pending = || {
        entries
            .iter()
            .filter(|e| matches!(e.state, State::Pending | State::OutOfOrder))
            .filter_map(|e| e.local)
    };
    let target = match target {
        None | Some(MigrateTarget::Head) => None,
        Some(MigrateTarget::Steps(n)) => {
            let chosen: Vec<&LocalMigration> = pending().take(n as usize).collect();
            if chosen.len() < n as usize {
                return Err(MigratorError::TooFewPending {
                    steps: n,
                    pending: chosen.len(),
                });
            }
            return Ok(chosen);
        }
        Some(MigrateTarget::Version(v)) => Some(v),
    };
    if let Some(t) = target {
        match entries.iter().find(|e| e.version == t) {
            None => return Err(MigratorError::UnknownVersion { version: t }),
            Some(e) if e.row.is_some() => {
                let current = entries
                    .iter()
                    .filter(|x| x.row.is_some())
                    .map(|x| x.version)
                    .max();
                let newer_pending = entries.iter().any(|x| x.version > t && x.row.is_none());
                if current != Some(t) {
                    if !newer_pending {
                        // Already past it and nothing newer waits: nothing to do.
                        return Ok(Vec::new());
                    }
                    // Going back to an older version is downgrade's job.
                    return Err(MigratorError::AlreadyApplied { version: t });
                }
                // The current version: nothing newer is applied (a no-op, or the older
                // out-of-order pending ones, as without a target).
            }
            Some(_) => {}
        }
    }
    Ok(pending()
        .filter(|m| target.is_none_or(|t| m.version <= t))
        .collect())
}

/// The applied versions `downgrade` reverts, newest first.
pub fn to_revert<'a>(
    entries: &'a [Entry<'a>],
    target: super::cli::DowngradeTarget,
) -> Result<Vec<&'a Entry<'a>>, MigratorError> {
    use super::cli::DowngradeTarget;
    let applied: Vec<&Entry<'a>> = entries.iter().rev().filter(|e| e.row.is_some()).collect();
    let chosen: Vec<&Entry<'a>> = match target {
        DowngradeTarget::Zero => applied,
        DowngradeTarget::Steps(n) => {
            let n_usize = n as usize;
            if n_usize > applied.len() {
                return Err(MigratorError::TooManySteps {
                    steps: n,
                    applied: applied.len(),
                });
            }
            applied.into_iter().take(n_usize).collect()
        }
        DowngradeTarget::Version(v) => {
            if !entries.iter().any(|e| e.version == v && e.row.is_some()) {
                return Err(if entries.iter().any(|e| e.version == v) {
                    MigratorError::NotApplied { version: v }
                } else {
                    MigratorError::UnknownVersion { version: v }
                });
            }
            applied.into_iter().filter(|e| e.version > v).collect()
        }
    };
    // Refuse up front when any needed down file is missing: nothing is reverted then.
    let applied_oldest_first: Vec<i64> = entries
        .iter()
        .filter(|e| e.row.is_some())
        .map(|e| e.version)
        .collect();
    for e in &chosen {
        let has_down = e.local.is_some_and(|m| m.down_sql.is_some());
        if !has_down {
            let expected = match e.local {
                Some(m) if m.reversible => {
                    let name = m
                        .up_path
                        .file_name()
                        .map(|n| n.to_string_lossy().replace(".up.sql", ".down.sql"))
                        .unwrap_or_default();
                    Some(migration_ref(&m.up_path.with_file_name(name)))
                }
                _ => None,
            };
            let below = applied_oldest_first
                .iter()
                .take_while(|v| **v < e.version)
                .last()
                .copied();
            return Err(MigratorError::NoDownFile {
                version: e.version,
                description: e.description.clone(),
                expected,
                stamp_to: below,
            });
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::DowngradeTarget;
    use crate::files::checksum;

    fn local(v: i64, sql: &str, down: bool) -> LocalMigration {
        LocalMigration {
            replaces: Vec::new(),
            version: v,
            description: format!("m{v}"),
            up_path: format!("/m/{v}_m.up.sql").into(),
            up_sql: sql.into(),
            checksum: checksum(sql),
            down_path: down.then(|| format!("/m/{v}_m.down.sql").into()),
            down_sql: down.then(|| "select 1".to_string()),
            reversible: true,
        }
    }

    fn row(v: i64, sql: &str) -> AppliedRow {
        AppliedRow {
            version: v,
            description: format!("m{v}"),
            installed_on: chrono::DateTime::UNIX_EPOCH,
            success: true,
            checksum: checksum(sql),
            execution_time: 1,
        }
    }

    #[test]
    fn states() {
        let l = vec![
            local(1, "a", true),
            local(2, "b2", true),
            local(4, "d", true),
            local(5, "e", true),
        ];
        let r = vec![row(1, "a"), row(2, "b"), row(3, "c"), row(5, "e")];
        let h = history(&l, &r);
        let states: Vec<(i64, State)> = h.iter().map(|e| (e.version, e.state)).collect();
        assert_eq!(
            states,
            vec![
                (1, State::Applied),
                (2, State::Modified),
                (3, State::Missing),
                (4, State::OutOfOrder),
                (5, State::Applied)
            ]
        );
        assert!(matches!(
            check_integrity(&h, true, "m"),
            Err(MigratorError::Modified { version: 2, .. })
        ));
    }

    #[test]
    fn out_of_order_needs_the_flag() {
        let l = vec![
            local(1, "a", true),
            local(2, "b", true),
            local(3, "c", true),
        ];
        let r = vec![row(1, "a"), row(3, "c")];
        let h = history(&l, &r);
        assert!(matches!(
            check_integrity(&h, false, "m"),
            Err(MigratorError::OutOfOrder { newest: 3, .. })
        ));
        assert!(check_integrity(&h, true, "m").is_ok());
        let apply: Vec<i64> = to_apply(&h, None)
            .unwrap_or_default()
            .iter()
            .map(|m| m.version)
            .collect();
        assert_eq!(apply, vec![2]);
    }

    #[test]
    fn apply_to_target() {
        let l: Vec<_> = (1..=4).map(|v| local(v, "x", true)).collect();
        let r = vec![row(1, "x")];
        let h = history(&l, &r);
        let versions = |t| -> Result<Vec<i64>, String> {
            to_apply(&h, t)
                .map(|v| v.iter().map(|m| m.version).collect())
                .map_err(|e| e.to_string())
        };
        use MigrateTarget::*;
        assert_eq!(versions(None), Ok(vec![2, 3, 4]));
        assert_eq!(versions(Some(Head)), Ok(vec![2, 3, 4]));
        assert_eq!(versions(Some(Steps(1))), Ok(vec![2]));
        assert_eq!(versions(Some(Steps(3))), Ok(vec![2, 3, 4]));
        assert!(versions(Some(Steps(4))).is_err_and(|e| e.contains("only 3")));
        assert_eq!(versions(Some(Version(3))), Ok(vec![2, 3]));
        assert!(versions(Some(Version(9))).is_err());
        // The current version as target: nothing to do, not an error.
        assert_eq!(versions(Some(Version(1))), Ok(vec![]));
        let r2 = vec![row(1, "x"), row(2, "x")];
        let h2 = history(&l, &r2);
        assert!(
            to_apply(&h2, Some(MigrateTarget::Version(1)))
                .is_err_and(|e| e.to_string().contains("downgrade 1")),
            "an older applied target with pending after it points at downgrade"
        );
    }

    #[test]
    fn revert_targets_and_missing_down() {
        let l = vec![
            local(1, "x", false),
            local(2, "x", true),
            local(3, "x", true),
        ];
        let r = vec![row(1, "x"), row(2, "x"), row(3, "x")];
        let h = history(&l, &r);
        let versions = |t| -> Result<Vec<i64>, String> {
            to_revert(&h, t)
                .map(|v| v.iter().map(|e| e.version).collect())
                .map_err(|e| e.to_string())
        };
        assert_eq!(versions(DowngradeTarget::Steps(1)), Ok(vec![3]));
        assert_eq!(versions(DowngradeTarget::Steps(2)), Ok(vec![3, 2]));
        assert_eq!(versions(DowngradeTarget::Version(1)), Ok(vec![3, 2]));
        assert!(versions(DowngradeTarget::Steps(3)).is_err_and(|e| e.contains("no down file")));
        assert!(versions(DowngradeTarget::Zero).is_err());
        assert!(versions(DowngradeTarget::Steps(4)).is_err_and(|e| e.contains("only 3")));
        assert!(versions(DowngradeTarget::Version(7)).is_err());
    }
}
