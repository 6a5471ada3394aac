//! Tables: created, dropped, renamed (`-- admin:renamed-from`), and the parts that come and go
//! with a whole table. Kept tables are handed to [`super::columns`] and [`super::parts`].

use std::collections::{BTreeMap, BTreeSet};

use super::render::{self, TableSql, add_constraint, column_full, drop_constraint};
use super::{Ops, Part, Phase, Side};
use crate::schema::SchemaError;
use crate::schema::lint::Hazard;
use crate::schema::model::*;
use crate::schema::renames::Renames;

/// What the table diff decided, for the kinds that depend on tables (sequences, types, views).
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

    /// A current object under its desired identity (renames applied).
    pub fn to_desired(&self, o: &Obj) -> Obj {
        let t = |q: &QName| {
            self.table_renames
                .get(q)
                .cloned()
                .unwrap_or_else(|| q.clone())
        };
        match o {
            Obj::Table(q) => Obj::Table(t(q)),
            Obj::Column(q, c) => {
                let (nq, nc) = self.current_to_desired(q, c);
                Obj::Column(nq, nc)
            }
            Obj::Default(q, c) => {
                let (nq, nc) = self.current_to_desired(q, c);
                Obj::Default(nq, nc)
            }
            Obj::Constraint(q, n) => Obj::Constraint(t(q), n.clone()),
            Obj::Trigger(q, n) => Obj::Trigger(t(q), n.clone()),
            Obj::Policy(q, n) => Obj::Policy(t(q), n.clone()),
            other => other.clone(),
        }
    }
}

/// The statements that set a column's attributes (statistics, options, storage and, when
/// `compression`, compression) from what `from` has to what `to` has.
pub(crate) fn column_attributes(
    q: &QName,
    from: &Column,
    to: &Column,
    compression: bool,
) -> Vec<String> {
    let col = format!("ALTER TABLE {} ALTER COLUMN {}", q.sql(), ident(&to.name));
    let mut out = Vec::new();
    if from.statistics != to.statistics {
        out.push(format!(
            "{col} SET STATISTICS {};",
            to.statistics.unwrap_or(-1)
        ));
    }
    if super::parts::sorted(&from.options) != super::parts::sorted(&to.options) {
        let names: Vec<String> = from
            .options
            .iter()
            .map(|x| x.split('=').next().unwrap_or_default().to_string())
            .collect();
        if !names.is_empty() {
            out.push(format!("{col} RESET ({});", names.join(", ")));
        }
        if !to.options.is_empty() {
            out.push(format!("{col} SET ({});", to.options.join(", ")));
        }
    }
    if from.storage != to.storage {
        out.push(format!(
            "{col} SET STORAGE {};",
            to.storage.as_deref().unwrap_or(&to.type_storage)
        ));
    }
    if compression && from.compression != to.compression {
        out.push(format!(
            "{col} SET COMPRESSION {};",
            to.compression.as_deref().unwrap_or("default")
        ));
    }
    out
}

/// A created (`Side::Up`) or dropped (`Side::Down`) table with everything that hangs off it:
/// the statement, then one operation per part (folded into the statement, or made implicit,
/// where the order allows). `s` is the side the table exists on; `kept` tells whether a
/// referenced table exists on the other side too (an FK to it may go inside the statement).
pub(crate) fn whole_table(
    ops: &mut Ops,
    s: &Schema,
    q: &QName,
    t: &Table,
    side: Side,
    kept: &dyn Fn(&QName) -> bool,
) {
    let mut body = TableSql::new(q, t, side);
    let parent = t
        .partition_of
        .as_ref()
        .and_then(|p| s.tables.get(&p.parent));
    let table_obj = Obj::Table(q.clone());
    body.after.extend(render::decorations(s, &table_obj));
    let mut objs = vec![table_obj.clone()];
    if t.partition_of.is_some() {
        objs.push(Obj::Partition(q.clone()));
    }
    for c in &t.columns {
        let col = Obj::Column(q.clone(), c.name.clone());
        body.after.extend(render::decorations(s, &col));
        objs.push(col);
        // Partitions get their parent's columns (defaults and NOT NULL included); a table's
        // own column lines carry COMPRESSION.
        let implied = parent
            .and_then(|p| p.column(&c.name))
            .cloned()
            .unwrap_or_else(|| Column::new(&c.name, &c.type_sql));
        let partition = t.partition_of.is_some();
        body.after
            .extend(column_attributes(q, &implied, c, partition));
        if t.partition_of.is_some() {
            let col_sql = format!("ALTER TABLE {} ALTER COLUMN {}", q.sql(), ident(&c.name));
            if c.not_null && !implied.not_null {
                body.after.push(format!("{col_sql} SET NOT NULL;"));
            }
            if implied.default.is_some() && c.default.is_none() {
                body.after.push(format!("{col_sql} DROP DEFAULT;"));
            }
        }
        let Some(d) = &c.default else { continue };
        if implied.default.as_ref() == Some(d) {
            objs.push(Obj::Default(q.clone(), c.name.clone()));
            continue;
        }
        let set = format!(
            "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {d};",
            q.sql(),
            ident(&c.name)
        );
        let unset = format!(
            "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT;",
            q.sql(),
            ident(&c.name)
        );
        let key = format!("default {q}.{}", c.name);
        let obj = Obj::Default(q.clone(), c.name.clone());
        let op = part(
            ops,
            side,
            Phase::AlterColumn,
            Phase::DropDefault,
            key,
            set,
            unset,
            obj,
        );
        op.inline(q, side, Part::Default(c.name.clone(), d.clone()));
    }
    let (up, down) = match side {
        Side::Up => (None, Some(format!("DROP TABLE {};", q.sql()))),
        Side::Down => (Some(format!("DROP TABLE {};", q.sql())), None),
    };
    let phase = match side {
        Side::Up => Phase::CreateTable,
        Side::Down => Phase::DropTable,
    };
    let op = ops.push(phase, format!("table {q}"), up, down);
    op.body = Some(Box::new(body));
    match side {
        Side::Up => op.creates(objs),
        Side::Down => op
            .drops(objs)
            .hazard(Hazard::Destructive(format!("drops table {q} and its data"))),
    };
    parts_of_whole(ops, s, q, t, side, kept);
}

/// One part of a whole table: `create`/`drop` on the sides `side` implies.
#[allow(clippy::too_many_arguments)]
fn part(
    ops: &mut Ops,
    side: Side,
    create_phase: Phase,
    drop_phase: Phase,
    key: String,
    create: String,
    drop: String,
    obj: Obj,
) -> &mut super::Op {
    match side {
        Side::Up => ops
            .push(create_phase, key, Some(create), Some(drop))
            .creates([obj]),
        Side::Down => ops
            .push(drop_phase, key, Some(drop), Some(create))
            .drops([obj]),
    }
}

fn parts_of_whole(
    ops: &mut Ops,
    s: &Schema,
    q: &QName,
    t: &Table,
    side: Side,
    kept: &dyn Fn(&QName) -> bool,
) {
    for (name, c) in &t.constraints {
        let obj = Obj::Constraint(q.clone(), name.clone());
        let decorations = render::decorations(s, &obj);
        let mut create = vec![add_constraint(q, name, &c.definition)];
        create.extend(decorations.iter().cloned());
        let (cp, dp) = if c.kind == 'f' {
            (Phase::AddForeignKey, Phase::DropForeignKey)
        } else {
            (Phase::AddConstraint, Phase::DropConstraint)
        };
        let key = format!("constraint {q}.{name}");
        let op = part(
            ops,
            side,
            cp,
            dp,
            key,
            create.join("\n"),
            drop_constraint(q, name),
            obj,
        );
        // NOT VALID only exists in ALTER TABLE (inside CREATE TABLE it would be validated).
        let valid = !c.definition.ends_with(" NOT VALID");
        let inside =
            valid && (c.kind != 'f' || c.references.as_ref().is_some_and(|r| r == q || kept(r)));
        let p = if inside {
            Part::Constraint(name.clone(), c.definition.clone(), decorations)
        } else {
            Part::Implied
        };
        op.inline(q, side, p);
    }
    for (name, i) in &t.indexes {
        let iq = QName::new(&q.schema, name);
        let obj = Obj::Index(iq.clone());
        let create = render::decorated(s, &obj, format!("{};", i.definition));
        let op = part(
            ops,
            side,
            Phase::CreateIndex,
            Phase::DropIndex,
            format!("index {iq}"),
            create,
            format!("DROP INDEX {};", iq.sql()),
            obj,
        );
        op.inline(q, side, Part::Implied);
    }
    for (name, tr) in &t.triggers {
        let obj = Obj::Trigger(q.clone(), name.clone());
        let create = render::decorated(s, &obj, render::create_trigger(q, name, tr));
        let drop = format!("DROP TRIGGER {} ON {};", ident(name), q.sql());
        let key = format!("trigger {q}.{name}");
        let op = part(
            ops,
            side,
            Phase::CreateTrigger,
            Phase::DropTrigger,
            key,
            create,
            drop,
            obj,
        );
        op.inline(q, side, Part::Implied);
    }
    for (name, p) in &t.policies {
        let obj = Obj::Policy(q.clone(), name.clone());
        let create = render::decorated(s, &obj, render::create_policy(q, name, p));
        let drop = format!("DROP POLICY {} ON {};", ident(name), q.sql());
        let key = format!("policy {q}.{name}");
        let op = part(
            ops,
            side,
            Phase::Security,
            Phase::DropPolicy,
            key,
            create,
            drop,
            obj,
        );
        op.inline(q, side, Part::Implied);
    }
    table_settings(ops, q, t, side);
}

/// RLS, replica identity and CLUSTER ON of a whole table (each undone by the table's drop).
fn table_settings(ops: &mut Ops, q: &QName, t: &Table, side: Side) {
    let mut settings: Vec<(Phase, i64, String, String, String, Vec<Obj>)> = Vec::new();
    let alter = |what: &str| format!("ALTER TABLE {} {what};", q.sql());
    if t.rls_enabled {
        let (on, off) = (
            alter("ENABLE ROW LEVEL SECURITY"),
            alter("DISABLE ROW LEVEL SECURITY"),
        );
        settings.push((
            Phase::Security,
            -1,
            format!("rls {q} ENABLE"),
            on,
            off,
            vec![],
        ));
    }
    if t.rls_forced {
        let (on, off) = (
            alter("FORCE ROW LEVEL SECURITY"),
            alter("NO FORCE ROW LEVEL SECURITY"),
        );
        settings.push((
            Phase::Security,
            -1,
            format!("rls {q} FORCE"),
            on,
            off,
            vec![],
        ));
    }
    if let Some(ri) = &t.replica_identity {
        let needs = replica_index(q, t).into_iter().collect();
        let (on, off) = (
            alter(&format!("REPLICA IDENTITY {ri}")),
            alter("REPLICA IDENTITY DEFAULT"),
        );
        settings.push((
            Phase::AddForeignKey,
            1,
            format!("replica identity {q}"),
            on,
            off,
            needs,
        ));
    }
    if let Some(i) = &t.clustered_on {
        let needs = vec![index_obj(q, t, i)];
        let (on, off) = (
            alter(&format!("CLUSTER ON {}", ident(i))),
            alter("SET WITHOUT CLUSTER"),
        );
        settings.push((
            Phase::AddForeignKey,
            1,
            format!("cluster {q}"),
            on,
            off,
            needs,
        ));
    }
    for (phase, order, key, on, off, needs) in settings {
        let table = Obj::Table(q.clone());
        let op = match side {
            Side::Up => ops
                .push_ordered(phase, order, key, Some(on), Some(off))
                .needs([table])
                .needs(needs),
            Side::Down => ops
                .push_ordered(Phase::Forget, order, key, Some(off), Some(on))
                .precedes_drop([table]),
        };
        op.inline(q, side, Part::Implied);
    }
}

/// The object an index name of table `q` stands for (an index, or a constraint's index).
pub(crate) fn index_obj(q: &QName, t: &Table, name: &str) -> Obj {
    if t.constraints.contains_key(name) {
        Obj::Constraint(q.clone(), name.to_string())
    } else {
        Obj::Index(QName::new(&q.schema, name))
    }
}

/// The index `REPLICA IDENTITY USING INDEX` names, as an object.
pub(crate) fn replica_index(q: &QName, t: &Table) -> Option<Obj> {
    let ri = t.replica_identity.as_ref()?;
    let name = ri.strip_prefix("USING INDEX ")?;
    let name = name.trim_matches('"').replace("\"\"", "\"");
    Some(index_obj(q, t, &name))
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

fn renames_ops(ops: &mut Ops, ch: &Changes) -> Result<(), SchemaError> {
    for (old, new) in &ch.table_renames {
        if old.schema != new.schema {
            return Err(SchemaError::Unsupported {
                object: format!("table {new}"),
                reason: format!("renamed from {old} in another schema (move it by hand)"),
            });
        }
        let rename = |from: &QName, to: &QName| {
            format!("ALTER TABLE {} RENAME TO {};", from.sql(), ident(&to.name))
        };
        ops.push(
            Phase::Rename,
            format!("table {old} rename"),
            Some(rename(old, new)),
            Some(rename(new, old)),
        )
        .drops([Obj::Table(old.clone())])
        .creates([Obj::Table(new.clone())])
        .renames();
    }
    for ((t, old_c), new_c) in &ch.column_renames {
        let nt = ch.table_renames.get(t).unwrap_or(t);
        let rename = |from: &str, to: &str| {
            format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {};",
                nt.sql(),
                ident(from),
                ident(to)
            )
        };
        ops.push_ordered(
            Phase::Rename,
            1,
            format!("column {nt}.{new_c} rename"),
            Some(rename(old_c, new_c)),
            Some(rename(new_c, old_c)),
        )
        .drops([Obj::Column(t.clone(), old_c.clone())])
        .creates([Obj::Column(nt.clone(), new_c.clone())])
        .needs([Obj::Table(nt.clone())])
        .renames();
    }
    Ok(())
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
    for q in &ch.dropped_tables {
        let kept = |r: &QName| !ch.dropped_tables.contains(r);
        whole_table(ops, cur, q, &cur.tables[q], Side::Down, &kept);
    }
    for q in &ch.created_tables {
        let kept = |r: &QName| !ch.created_tables.contains(r);
        whole_table(ops, des, q, &des.tables[q], Side::Up, &kept);
    }
    renames_ops(ops, &ch)?;
    let kept: Vec<(QName, QName)> = cur
        .tables
        .keys()
        .filter(|q| !ch.dropped_tables.contains(*q))
        .map(|q| (q.clone(), ch.table_renames.get(q).unwrap_or(q).clone()))
        .collect();
    for (cq, nq) in &kept {
        super::columns::columns(ops, cur, des, cq, nq, &mut ch)?;
    }
    for (cq, nq) in &kept {
        super::parts::parts(ops, cur, des, cq, nq, &ch)?;
    }
    Ok(ch)
}

/// `ADD COLUMN` for a column of a kept table (with its decorations).
pub(crate) fn add_column(s: &Schema, q: &QName, c: &Column) -> String {
    let obj = Obj::Column(q.clone(), c.name.clone());
    let mut lines = vec![format!(
        "ALTER TABLE {} ADD COLUMN {};",
        q.sql(),
        column_full(c)
    )];
    lines.extend(column_attributes(
        q,
        &Column::new(&c.name, &c.type_sql),
        c,
        false,
    ));
    lines.extend(render::decorations(s, &obj));
    lines.join("\n")
}
