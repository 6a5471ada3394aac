//! Tables and what hangs off them: columns, constraints, indexes, triggers, policies, RLS and
//! comments. Renames from `-- admin:renamed-from` turn a drop + create into `RENAME`.

use std::collections::{BTreeMap, BTreeSet};

use super::{Fate, Ops, Phase, comment_ops};
use crate::migrator::schema::SchemaError;
use crate::migrator::schema::lint::Hazard;
use crate::migrator::schema::model::*;
use crate::migrator::schema::renames::Renames;

/// What the table diff decided, for the kinds that depend on tables (sequences, views).
#[derive(Debug, Default)]
pub(crate) struct Changes {
    pub dropped_tables: BTreeSet<QName>,
    pub created_tables: BTreeSet<QName>,
    /// Current name → desired name.
    pub table_renames: BTreeMap<QName, QName>,
    /// (current table, current column) → desired column name.
    pub column_renames: BTreeMap<(QName, String), String>,
    /// (current table, column).
    pub dropped_columns: BTreeSet<(QName, String)>,
    /// (desired table, column).
    pub created_columns: BTreeSet<(QName, String)>,
    /// (current table, current column) whose type or collation changes.
    pub retyped_columns: BTreeSet<(QName, String)>,
}

impl Changes {
    /// The column is gone after up (its table or itself is dropped). Current names.
    pub fn column_dropped(&self, t: &QName, c: &str) -> bool {
        self.dropped_tables.contains(t)
            || self.dropped_columns.contains(&(t.clone(), c.to_string()))
    }

    /// The column is new after up. Desired names.
    pub fn column_created(&self, t: &QName, c: &str) -> bool {
        self.created_tables.contains(t)
            || self.created_columns.contains(&(t.clone(), c.to_string()))
    }

    /// A current (table, column) under its desired names.
    pub fn current_to_desired(&self, t: &QName, c: &str) -> (QName, String) {
        let col = self
            .column_renames
            .get(&(t.clone(), c.to_string()))
            .cloned()
            .unwrap_or_else(|| c.to_string());
        (
            self.table_renames
                .get(t)
                .cloned()
                .unwrap_or_else(|| t.clone()),
            col,
        )
    }
}

/// `name type [COLLATE] [GENERATED …] [DEFAULT …] [NOT NULL]`.
pub(crate) fn column_spec(c: &Column) -> String {
    let mut s = format!("{} {}", ident(&c.name), c.type_sql);
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {}", coll.sql()));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if c.identity.is_some() {
        s.push_str(&identity_clause(c));
    }
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    s
}

/// The identity options PostgreSQL picks by itself for a column of type `type_sql`.
fn default_identity_options(type_sql: &str) -> Vec<String> {
    let max = match type_sql {
        "smallint" => i64::from(i16::MAX),
        "integer" => i64::from(i32::MAX),
        _ => i64::MAX,
    };
    [
        "INCREMENT BY 1".to_string(),
        "MINVALUE 1".into(),
        format!("MAXVALUE {max}"),
        "START WITH 1".into(),
        "CACHE 1".into(),
        "NO CYCLE".into(),
    ]
    .to_vec()
}

/// ` GENERATED ALWAYS|BY DEFAULT AS IDENTITY [(options)]` (options only when not the defaults).
pub(crate) fn identity_clause(c: &Column) -> String {
    let kind = if c.identity == Some('a') {
        "ALWAYS"
    } else {
        "BY DEFAULT"
    };
    match &c.identity_options {
        Some(o) if *o != default_identity_options(&c.type_sql) => {
            format!(" GENERATED {kind} AS IDENTITY ({})", o.join(" "))
        }
        _ => format!(" GENERATED {kind} AS IDENTITY"),
    }
}

/// Whether two identity columns' sequence options differ beyond what a type change implies.
pub(crate) fn identity_options_differ(o: &Column, n: &Column) -> bool {
    let norm = |c: &Column| {
        c.identity_options
            .clone()
            .filter(|x| *x != default_identity_options(&c.type_sql))
    };
    norm(o) != norm(n)
}

fn create_table(q: &QName, t: &Table) -> String {
    if t.columns.is_empty() {
        return format!("CREATE TABLE {} ();", q.sql());
    }
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("    {}", column_spec(c)))
        .collect();
    format!("CREATE TABLE {} (\n{}\n);", q.sql(), cols.join(",\n"))
}

fn add_constraint(q: &QName, name: &str, c: &Constraint) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {};",
        q.sql(),
        ident(name),
        c.definition
    )
}

fn drop_constraint(q: &QName, name: &str) -> String {
    format!("ALTER TABLE {} DROP CONSTRAINT {};", q.sql(), ident(name))
}

fn constraint_phases(c: &Constraint) -> (Phase, Phase) {
    if c.kind == 'f' {
        (Phase::DropForeignKey, Phase::AddForeignKey)
    } else {
        (Phase::DropConstraint, Phase::AddConstraint)
    }
}

pub(crate) fn create_policy(q: &QName, name: &str, p: &Policy) -> String {
    let roles: Vec<String> = p.roles.iter().map(|r| ident(r)).collect();
    let mut s = format!(
        "CREATE POLICY {} ON {} AS {} FOR {} TO {}",
        ident(name),
        q.sql(),
        if p.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        p.command,
        roles.join(", ")
    );
    if let Some(u) = &p.using {
        s.push_str(&format!(" USING ({u})"));
    }
    if let Some(w) = &p.with_check {
        s.push_str(&format!(" WITH CHECK ({w})"));
    }
    s.push(';');
    s
}

fn rls(q: &QName, what: &str, on: bool) -> String {
    let verb = if on {
        what.to_string()
    } else {
        what.replace("ENABLE", "DISABLE")
            .replace("FORCE", "NO FORCE")
    };
    format!("ALTER TABLE {} {verb} ROW LEVEL SECURITY;", q.sql())
}

/// Everything owned by a table that is dropped (`created == false`) or created, as operations
/// implied by the table's own DROP/CREATE on one side (foreign keys are always explicit).
fn whole_table(ops: &mut Ops, q: &QName, t: &Table, created: bool) {
    let side = |sql: String| -> (Option<String>, Option<String>) {
        if created {
            (Some(sql), None)
        } else {
            (None, Some(sql))
        }
    };
    let fate = if created {
        Fate::Created
    } else {
        Fate::Dropped
    };
    for (name, c) in &t.constraints {
        let (drop_phase, add_phase) = constraint_phases(c);
        let key = format!("constraint {q}.{name}");
        if c.kind == 'f' {
            if created {
                ops.push(
                    add_phase,
                    key,
                    Some(add_constraint(q, name, c)),
                    Some(drop_constraint(q, name)),
                );
            } else {
                ops.push(
                    drop_phase,
                    key,
                    Some(drop_constraint(q, name)),
                    Some(add_constraint(q, name, c)),
                );
            }
        } else {
            let (up, down) = side(add_constraint(q, name, c));
            ops.push(if created { add_phase } else { drop_phase }, key, up, down);
        }
        let target = format!("CONSTRAINT {} ON {}", ident(name), q.sql());
        comment_ops(ops, &target, fate, c.comment.as_ref(), c.comment.as_ref());
    }
    for (name, i) in &t.indexes {
        let (up, down) = side(format!("{};", i.definition));
        ops.push(
            if created {
                Phase::CreateIndex
            } else {
                Phase::DropIndex
            },
            format!("index {}", name),
            up,
            down,
        );
        let target = format!("INDEX {}", QName::new(&q.schema, name).sql());
        comment_ops(ops, &target, fate, i.comment.as_ref(), i.comment.as_ref());
    }
    for (name, tr) in &t.triggers {
        let (up, down) = side(format!("{};", tr.definition));
        ops.push(
            if created {
                Phase::CreateTrigger
            } else {
                Phase::DropTrigger
            },
            format!("trigger {q}.{name}"),
            up,
            down,
        );
    }
    for (name, p) in &t.policies {
        let (up, down) = side(create_policy(q, name, p));
        ops.push(
            if created {
                Phase::Security
            } else {
                Phase::DropPolicy
            },
            format!("policy {q}.{name}"),
            up,
            down,
        );
    }
    for (flag, on) in [("ENABLE", t.rls_enabled), ("FORCE", t.rls_forced)] {
        if on {
            let (up, down) = side(rls(q, flag, true));
            ops.push(
                if created {
                    Phase::Security
                } else {
                    Phase::Forget
                },
                format!("rls {q} {flag}"),
                up,
                down,
            );
        }
    }
    comment_ops(
        ops,
        &format!("TABLE {}", q.sql()),
        fate,
        t.comment.as_ref(),
        t.comment.as_ref(),
    );
    for c in &t.columns {
        let target = format!("COLUMN {}.{}", q.sql(), ident(&c.name));
        comment_ops(ops, &target, fate, c.comment.as_ref(), c.comment.as_ref());
    }
}

/// Resolves the rename directives that apply (old exists only in current, new only in desired).
fn resolve_renames(cur: &Schema, des: &Schema, renames: &Renames, ch: &mut Changes) {
    for (new, old) in &renames.tables {
        if cur.tables.contains_key(old)
            && !cur.tables.contains_key(new)
            && des.tables.contains_key(new)
            && !des.tables.contains_key(old)
        {
            ch.table_renames.insert(old.clone(), new.clone());
        }
    }
    for ((new_t, new_c), old_c) in &renames.columns {
        let cur_t = ch
            .table_renames
            .iter()
            .find(|(_, n)| *n == new_t)
            .map(|(o, _)| o.clone())
            .unwrap_or_else(|| new_t.clone());
        let (Some(ct), Some(dt)) = (cur.tables.get(&cur_t), des.tables.get(new_t)) else {
            continue;
        };
        if ct.column(old_c).is_some()
            && ct.column(new_c).is_none()
            && dt.column(new_c).is_some()
            && dt.column(old_c).is_none()
        {
            ch.column_renames
                .insert((cur_t, old_c.clone()), new_c.clone());
        }
    }
}

pub(crate) fn tables(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    renames: &Renames,
) -> Result<Changes, SchemaError> {
    let mut ch = Changes::default();
    resolve_renames(cur, des, renames, &mut ch);
    let desired_to_current: BTreeMap<&QName, &QName> =
        ch.table_renames.iter().map(|(o, n)| (n, o)).collect();
    for q in cur.tables.keys() {
        if !des.tables.contains_key(q) && !ch.table_renames.contains_key(q) {
            ch.dropped_tables.insert(q.clone());
        }
    }
    for q in des.tables.keys() {
        if !cur.tables.contains_key(q) && !desired_to_current.contains_key(q) {
            ch.created_tables.insert(q.clone());
        }
    }
    // Tables whose keys (PK/UNIQUE) change: foreign keys into them are recreated around it.
    let mut key_changed: BTreeSet<QName> = BTreeSet::new();
    for (q, t) in &cur.tables {
        let new = ch.table_renames.get(q).unwrap_or(q);
        let Some(nt) = des.tables.get(new) else {
            continue;
        };
        // Definitions only: a key that is merely renamed stays in place (RENAME CONSTRAINT).
        let keys = |t: &Table| -> Vec<String> {
            let mut k: Vec<String> = t
                .constraints
                .values()
                .filter(|c| matches!(c.kind, 'p' | 'u'))
                .map(|c| c.definition.clone())
                .collect();
            k.sort();
            k
        };
        if keys(t) != keys(nt) || ch.column_renames.keys().any(|(ct, _)| ct == q) {
            key_changed.insert(q.clone());
        }
    }

    for q in &ch.dropped_tables {
        let t = &cur.tables[q];
        ops.push(
            Phase::DropTable,
            format!("table {q}"),
            Some(format!("DROP TABLE {};", q.sql())),
            Some(create_table(q, t)),
        )
        .hazard(Hazard::Destructive(format!("drops table {q} and its data")));
        whole_table(ops, q, t, false);
    }
    for q in &ch.created_tables {
        let t = &des.tables[q];
        ops.push(
            Phase::CreateTable,
            format!("table {q}"),
            Some(create_table(q, t)),
            Some(format!("DROP TABLE {};", q.sql())),
        );
        whole_table(ops, q, t, true);
    }
    for (old, new) in &ch.table_renames {
        let key = format!("table {old} rename");
        ops.push(
            Phase::Rename,
            key,
            Some(format!(
                "ALTER TABLE {} RENAME TO {};",
                old.sql(),
                ident(&new.name)
            )),
            Some(format!(
                "ALTER TABLE {} RENAME TO {};",
                new.sql(),
                ident(&old.name)
            )),
        );
        if old.schema != new.schema {
            return Err(SchemaError::Unsupported {
                object: format!("table {new}"),
                reason: format!("renamed from {old} in another schema (move it by hand)"),
            });
        }
    }
    for ((t, old_c), new_c) in &ch.column_renames {
        let nt = ch.table_renames.get(t).unwrap_or(t);
        ops.push_ordered(
            Phase::Rename,
            1,
            format!("column {nt}.{new_c} rename"),
            Some(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {};",
                nt.sql(),
                ident(old_c),
                ident(new_c)
            )),
            Some(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {};",
                nt.sql(),
                ident(new_c),
                ident(old_c)
            )),
        );
    }
    let kept: Vec<(QName, QName)> = cur
        .tables
        .keys()
        .filter(|q| !ch.dropped_tables.contains(*q))
        .map(|q| (q.clone(), ch.table_renames.get(q).unwrap_or(q).clone()))
        .collect();
    for (cq, nq) in &kept {
        super::columns::columns(ops, cq, nq, &cur.tables[cq], &des.tables[nq], &mut ch)?;
    }
    for (cq, nq) in &kept {
        // Policies and trigger WHEN clauses block ALTER COLUMN TYPE: recreate them around it.
        let retyped = ch.retyped_columns.iter().any(|(t, _)| t == cq);
        let (ct, nt) = (&cur.tables[cq], &des.tables[nq]);
        super::columns::parts(ops, cq, nq, ct, nt, &key_changed, retyped);
    }
    Ok(ch)
}
