//! What an interrupted `-- no-transaction` migration leaves behind, found by comparing the
//! index its one statement creates (`CREATE INDEX CONCURRENTLY`, parsed with PostgreSQL's own
//! parser) with the database:
//!
//! - **INVALID index, migration pending**: the concurrent build was cancelled or failed (a
//!   duplicate key, a statement timeout, a backend ended). The index is not used by queries
//!   and enforces nothing, and a retry with `IF NOT EXISTS` would accept it silently. Blocks
//!   `migrate`; repair: drop it.
//! - **valid index, migration pending**: the build finished but the run was killed before its
//!   row was written. Reported (history, and the "already exists" error gets `stamp`).
//! - **index missing, migration applied (the newest)**: a no-transaction down was killed
//!   after its `DROP INDEX CONCURRENTLY`, before its row went. Blocks `migrate`; repair:
//!   delete the row (the revert happened), then migrate applies it again.
//! - **INVALID index, migration applied**: accepted by an older run through `IF NOT EXISTS`.
//!   Reported; repair: rebuild it.
//!
//! Other INVALID indexes (not made by a migration) are reported too. A build in progress
//! (its table or index locked by a concurrent build) is not a leftover.

use protocol::text::Text;

use crate::error::migration_ref;
use pg_query::NodeEnum;
use pg_query::protobuf::ObjectType;
use serde::Serialize;

use super::files::LocalMigration;
use super::plan::{Entry, State};
use super::schema::model::ident;

/// An index as the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexState {
    pub schema: String,
    pub name: String,
    pub table: String,
    pub valid: bool,
    /// A concurrent build or drop of it (or on its table) is running right now.
    pub busy: bool,
}

impl IndexState {
    fn qualified(&self) -> String {
        format!("{}.{}", ident(&self.schema), ident(&self.name))
    }
}

/// The index a migration's one statement creates concurrently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// Empty when the statement names none (PostgreSQL picks one: `<table>_<cols>_idx`).
    pub name: String,
    /// The table's schema as written (empty: the search path decides).
    pub schema: String,
    pub table: String,
}

impl Created {
    fn matches(&self, i: &IndexState) -> bool {
        let schema_ok = self.schema.is_empty() || self.schema == i.schema;
        if self.name.is_empty() {
            schema_ok && self.table == i.table
        } else {
            schema_ok && self.name == i.name
        }
    }
}

/// The index a no-transaction script of exactly one `CREATE INDEX CONCURRENTLY` creates.
pub fn created_index(sql: &str) -> Option<Created> {
    let parsed = pg_query::parse(sql, pg_query::ParserOptions::default()).ok()?;
    let [raw] = parsed.protobuf.stmts.as_slice() else {
        return None;
    };
    match raw.stmt.as_ref()?.node.as_ref()? {
        NodeEnum::IndexStmt(i) if i.concurrent => {
            let rel = i.relation.as_ref()?;
            Some(Created {
                name: i.idxname.clone(),
                schema: rel.schemaname.clone(),
                table: rel.relname.clone(),
            })
        }
        _ => None,
    }
}

/// Whether a script is one `DROP INDEX CONCURRENTLY` (what a no-transaction down does).
pub fn drops_index(sql: &str) -> bool {
    let Ok(parsed) = pg_query::parse(sql, pg_query::ParserOptions::default()) else {
        return false;
    };
    matches!(
        parsed.protobuf.stmts.as_slice(),
        [raw] if matches!(
            raw.stmt.as_ref().and_then(|s| s.node.as_ref()),
            Some(NodeEnum::DropStmt(d)) if d.concurrent && d.remove_type == ObjectType::ObjectIndex as i32
        )
    )
}

/// The no-transaction migration's index, if it has one.
pub fn of(m: &LocalMigration) -> Option<Created> {
    if m.up_no_tx() {
        created_index(&m.up_sql)
    } else {
        None
    }
}

/// One leftover: what is wrong, and the command that repairs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The migration it belongs to (None: an INVALID index no migration makes).
    pub version: Option<i64>,
    pub what: Text,
    pub repair: Text,
    /// `migrate` must not run while it is there.
    #[serde(skip)]
    pub blocks_migrate: bool,
}

impl Finding {
    /// `what`, then the repair (one line, for warnings and JSON).
    pub fn line(&self) -> Text {
        Text(
            self.what
                .0
                .iter()
                .cloned()
                .chain(Text::plain("; ").0)
                .chain(self.repair.0.iter().cloned())
                .collect(),
        )
    }
}

/// `psql "$DATABASE_URL" -c '<sql>'`, quoted for a POSIX shell.
pub fn psql(sql: &str) -> String {
    format!("psql \"$DATABASE_URL\" -c '{}'", sql.replace('\'', "'\\''"))
}

/// The names [`findings`] needs the state of (the indexes no-transaction migrations make).
pub fn names(entries: &[Entry<'_>]) -> Vec<String> {
    let mut v: Vec<String> = entries
        .iter()
        .filter_map(|e| e.local.and_then(of))
        .map(|c| if c.name.is_empty() { c.table } else { c.name })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Every leftover, given the history and the indexes the database has (those named by
/// [`names`], those on their tables, and every INVALID one).
pub fn findings(entries: &[Entry<'_>], indexes: &[IndexState]) -> Vec<Finding> {
    let newest_applied = entries
        .iter()
        .filter(|e| e.row.is_some())
        .map(|e| e.version)
        .max();
    let mut out = Vec::new();
    let mut attributed: Vec<&IndexState> = Vec::new();
    for e in entries {
        let Some((m, created)) = e.local.and_then(|m| Some((m, of(m)?))) else {
            continue;
        };
        let found: Vec<&IndexState> = indexes.iter().filter(|i| created.matches(i)).collect();
        attributed.extend(found.iter().copied());
        let file = migration_ref(&m.up_path);
        let v = e.version;
        let applied = e.row.is_some();
        if let Some(bad) = found.iter().find(|i| !i.valid && !i.busy) {
            let sql = if applied {
                format!("REINDEX INDEX CONCURRENTLY {}", bad.qualified())
            } else {
                format!("DROP INDEX CONCURRENTLY {}", bad.qualified())
            };
            out.push(Finding {
                version: Some(v),
                what: Text::plain(format!(
                    "index {} is INVALID: a CREATE INDEX CONCURRENTLY of ",
                    bad.qualified()
                ))
                .file(file.clone())
                .t(format!(
                    " was interrupted or failed (the index is not used by queries and enforces nothing){}",
                    if applied { ", yet the migration is recorded as applied" } else { "" }
                )),
                repair: Text::plain(format!("repair with: {}, then run: ", psql(&sql)))
                    .cmd(&["migrate"]),
                blocks_migrate: !applied,
            });
        } else if !applied && matches!(e.state, State::Pending | State::OutOfOrder) {
            if let Some(done) = found.iter().find(|i| i.valid && !created.name.is_empty()) {
                out.push(Finding {
                    version: Some(v),
                    what: Text::plain(format!("index {} exists although ", done.qualified()))
                        .file(file.clone())
                        .t(" is not recorded: a run was interrupted after building it"),
                    repair: Text::plain("if the existing index is what ")
                        .file(file.clone())
                        .t(" makes, record it: ")
                        .cmd(&["stamp", &v.to_string()]),
                    blocks_migrate: false,
                });
            }
        } else if applied
            && Some(v) == newest_applied
            && found.is_empty()
            && !created.name.is_empty()
        {
            let shown = if created.schema.is_empty() {
                format!("public.{}", ident(&created.name))
            } else {
                format!("{}.{}", ident(&created.schema), ident(&created.name))
            };
            let reverted = e
                .local
                .and_then(|m| m.down_sql.as_deref())
                .is_some_and(drops_index);
            out.push(Finding {
                version: Some(v),
                what: Text::plain(format!("index {shown} is missing although "))
                    .file(file.clone())
                    .t(format!(
                        " is recorded as applied{}; deleting its row records the revert, and migrate applies it again",
                        if reverted {
                            " (a no-transaction downgrade was interrupted after dropping it)"
                        } else {
                            ""
                        }
                    )),
                repair: Text::plain(format!(
                    "repair with: {}, then run: ",
                    psql(&format!("DELETE FROM _sqlx_migrations WHERE version = {v}"))
                ))
                .cmd(&["migrate"]),
                blocks_migrate: true,
            });
        }
    }
    for i in indexes.iter().filter(|i| !i.valid && !i.busy) {
        if !attributed.contains(&i) {
            out.push(Finding {
                version: None,
                what: Text::plain(format!(
                    "index {} on {} is INVALID (an interrupted or failed CREATE INDEX CONCURRENTLY; not used by queries)",
                    i.qualified(),
                    ident(&i.table)
                )),
                repair: Text::plain(format!(
                    "repair with: {} (or REINDEX INDEX CONCURRENTLY to keep it)",
                    psql(&format!("DROP INDEX CONCURRENTLY {}", i.qualified()))
                )),
                blocks_migrate: false,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::AppliedRow;
    use crate::files::checksum;
    use crate::plan::history;
    use protocol::text::MigratorNames;

    fn m(v: i64, up: &str, down: &str) -> LocalMigration {
        LocalMigration {
            replaces: Vec::new(),
            version: v,
            description: format!("m{v}"),
            up_path: format!("/m/{v}_m.up.sql").into(),
            up_sql: up.into(),
            checksum: checksum(up),
            down_path: Some(format!("/m/{v}_m.down.sql").into()),
            down_sql: Some(down.into()),
            reversible: true,
        }
    }

    fn row(l: &LocalMigration) -> AppliedRow {
        AppliedRow {
            version: l.version,
            description: l.description.clone(),
            installed_on: chrono::DateTime::UNIX_EPOCH,
            success: true,
            checksum: l.checksum.clone(),
            execution_time: 1,
        }
    }

    fn idx(name: &str, table: &str, valid: bool) -> IndexState {
        IndexState {
            schema: "public".into(),
            name: name.into(),
            table: table.into(),
            valid,
            busy: false,
        }
    }

    const CIC: &str = "-- no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_v ON t (v);\n";
    const DROP: &str = "-- no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS t_v;\n";

    #[test]
    fn parses_the_index_of_a_no_transaction_file() {
        assert_eq!(
            created_index("CREATE UNIQUE INDEX CONCURRENTLY \"T v\" ON s.t (v)"),
            Some(Created {
                name: "T v".into(),
                schema: "s".into(),
                table: "t".into()
            })
        );
        assert_eq!(created_index("CREATE INDEX t_v ON t (v)"), None);
        assert_eq!(
            created_index("CREATE INDEX CONCURRENTLY a ON t (v); SELECT 1"),
            None
        );
        assert!(drops_index(DROP) && !drops_index("DROP INDEX t_v"));
        assert!(of(&m(1, CIC, DROP)).is_some());
        assert!(of(&m(1, "CREATE INDEX CONCURRENTLY t_v ON t (v)", DROP)).is_none());
    }

    #[test]
    fn each_leftover_is_found_with_its_repair() {
        let ms = vec![
            m(1, "CREATE TABLE t (v int)", "DROP TABLE t"),
            m(2, CIC, DROP),
        ];
        let pending_rows = vec![row(&ms[0])];
        let h = history(&ms, &pending_rows);
        // Pending, INVALID: blocks, drop it.
        let f = findings(&h, &[idx("t_v", "t", false)]);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].blocks_migrate
                && f[0]
                    .repair
                    .render(&MigratorNames)
                    .contains("DROP INDEX CONCURRENTLY public.t_v")
        );
        // Busy (being built right now): nothing.
        let mut building = idx("t_v", "t", false);
        building.busy = true;
        assert!(findings(&h, &[building]).is_empty());
        // Pending, valid: stamp.
        let f = findings(&h, &[idx("t_v", "t", true)]);
        assert!(
            !f[0].blocks_migrate
                && f[0]
                    .repair
                    .render(&MigratorNames)
                    .ends_with("migrator stamp 2")
        );
        // Applied (the newest), missing: blocks, delete the row.
        let all_rows = vec![row(&ms[0]), row(&ms[1])];
        let h = history(&ms, &all_rows);
        let f = findings(&h, &[]);
        assert!(
            f[0].blocks_migrate
                && f[0]
                    .what
                    .render(&MigratorNames)
                    .contains("downgrade was interrupted")
        );
        assert!(
            f[0].repair
                .render(&MigratorNames)
                .contains("DELETE FROM _sqlx_migrations WHERE version = 2")
        );
        // Applied and present: nothing; another INVALID index: reported on its own.
        let f = findings(&h, &[idx("t_v", "t", true), idx("o'x", "t", false)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].version, None);
        assert!(
            f[0].repair.render(&MigratorNames).contains("'\\''"),
            "{:?}",
            f[0].repair
        );
    }
}
