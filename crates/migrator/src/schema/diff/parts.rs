//! The parts of a table that exists on both sides: constraints, indexes, triggers, policies,
//! and table settings (RLS, UNLOGGED, storage parameters, partition attach/detach, replica
//! identity, CLUSTER ON). A part that only changed its name is renamed in place; a foreign key
//! whose definition differs only by renamed columns or tables is kept. Parts on something that
//! is recreated are recreated by [`super::cascade`], not here.

use std::collections::BTreeSet;

use super::render::{self, add_constraint, create_policy, create_trigger, drop_constraint};
use super::tables::{Changes, index_obj, replica_index};
use super::{Ops, Phase};
use crate::schema::SchemaError;
use crate::schema::lint::Hazard;
use crate::schema::model::*;

/// `CREATE [UNIQUE] INDEX name ON …` with the name replaced.
fn index_def_named(def: &str, old: &str, new: &str) -> String {
    let (o, n) = (
        format!(" INDEX {} ON ", ident(old)),
        format!(" INDEX {} ON ", ident(new)),
    );
    def.replacen(&o, &n, 1)
}

/// What follows the referenced columns of a foreign key (`ON DELETE …`, `DEFERRABLE`, …).
fn fk_suffix(def: &str) -> Option<&str> {
    let start = def.find(" REFERENCES ")? + " REFERENCES ".len();
    let mut quoted = false;
    let mut depth = 0;
    for (i, ch) in def[start..].char_indices() {
        match ch {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return Some(&def[start + i + 1..]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Two constraints are the same object once renames are applied: equal definitions, or, for
/// foreign keys, equal columns, target and options under the desired names.
fn same_constraint(ch: &Changes, cq: &QName, c: &Constraint, n: &Constraint) -> bool {
    if c.kind != n.kind {
        return false;
    }
    if c.definition == n.definition {
        return true;
    }
    if c.kind != 'f' {
        return false;
    }
    let Some(cr) = &c.references else {
        return false;
    };
    let cols: Vec<String> = c
        .columns
        .iter()
        .map(|x| ch.current_to_desired(cq, x).1)
        .collect();
    let ref_cols: Vec<String> = c
        .ref_columns
        .iter()
        .map(|x| ch.current_to_desired(cr, x).1)
        .collect();
    let target = ch.table_renames.get(cr).unwrap_or(cr);
    cols == n.columns
        && ref_cols == n.ref_columns
        && Some(target) == n.references.as_ref()
        && fk_suffix(&c.definition) == fk_suffix(&n.definition)
}

/// Constraints and indexes that only changed name (same definition) are renamed in place;
/// returns the current table with those names already changed.
fn renamed_parts(
    ops: &mut Ops,
    ch: &Changes,
    cq: &QName,
    nq: &QName,
    ct: &Table,
    nt: &Table,
) -> Table {
    let mut out = ct.clone();
    let mut taken: BTreeSet<&String> = BTreeSet::new();
    for (old, c) in &ct.constraints {
        if nt.constraints.contains_key(old) {
            continue;
        }
        let found = nt.constraints.iter().find(|(n, d)| {
            !ct.constraints.contains_key(*n) && !taken.contains(n) && same_constraint(ch, cq, c, d)
        });
        let Some((new, _)) = found else { continue };
        taken.insert(new);
        let rename = |a: &str, b: &str| {
            format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
                nq.sql(),
                ident(a),
                ident(b)
            )
        };
        ops.push_ordered(
            Phase::Rename,
            2,
            format!("constraint {nq}.{new} rename"),
            Some(rename(old, new)),
            Some(rename(new, old)),
        )
        .drops([Obj::Constraint(cq.clone(), old.clone())])
        .creates([Obj::Constraint(nq.clone(), new.clone())])
        .needs([Obj::Table(nq.clone())])
        .renames();
        if let Some(c) = out.constraints.remove(old) {
            out.constraints.insert(new.clone(), c);
        }
    }
    let mut taken: BTreeSet<&String> = BTreeSet::new();
    for (old, i) in &ct.indexes {
        if nt.indexes.contains_key(old) {
            continue;
        }
        let found = nt.indexes.iter().find(|(n, d)| {
            let moved = index_def_named(&i.definition, old, n)
                .replace(&format!(" ON {} ", cq.sql()), &format!(" ON {} ", nq.sql()));
            !ct.indexes.contains_key(*n) && !taken.contains(n) && d.definition == moved
        });
        let Some((new, _)) = found else { continue };
        taken.insert(new);
        let (oq, nq2) = (QName::new(&cq.schema, old), QName::new(&cq.schema, new));
        ops.push_ordered(
            Phase::Rename,
            2,
            format!("index {nq2} rename"),
            Some(format!(
                "ALTER INDEX {} RENAME TO {};",
                oq.sql(),
                ident(new)
            )),
            Some(format!(
                "ALTER INDEX {} RENAME TO {};",
                nq2.sql(),
                ident(old)
            )),
        )
        .drops([Obj::Index(oq)])
        .creates([Obj::Index(nq2)])
        .renames();
        if let Some(mut moved) = out.indexes.remove(old) {
            moved.definition = index_def_named(&moved.definition, old, new);
            out.indexes.insert(new.clone(), moved);
        }
    }
    out
}

/// Constraints, indexes, triggers, policies and settings of a kept table.
pub(crate) fn parts(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    cq: &QName,
    nq: &QName,
    ch: &Changes,
) -> Result<(), SchemaError> {
    let (ct, nt) = (&cur.tables[cq], &des.tables[nq]);
    let on_new =
        |def: &str| def.replace(&format!(" ON {} ", cq.sql()), &format!(" ON {} ", nq.sql()));
    let renamed = renamed_parts(ops, ch, cq, nq, ct, nt);
    let ct = &renamed;
    for (name, c) in &ct.constraints {
        if nt
            .constraints
            .get(name)
            .is_some_and(|n| same_constraint(ch, cq, c, n))
        {
            continue;
        }
        let phase = if c.kind == 'f' {
            Phase::DropForeignKey
        } else {
            Phase::DropConstraint
        };
        let obj = Obj::Constraint(cq.clone(), name.clone());
        let restore = render::decorated(cur, &obj, add_constraint(cq, name, &c.definition));
        ops.push(
            phase,
            format!("constraint {cq}.{name}"),
            Some(drop_constraint(cq, name)),
            Some(restore),
        )
        .drops([obj]);
    }
    for (name, c) in &nt.constraints {
        if ct
            .constraints
            .get(name)
            .is_some_and(|o| same_constraint(ch, cq, o, c))
        {
            continue;
        }
        let phase = if c.kind == 'f' {
            Phase::AddForeignKey
        } else {
            Phase::AddConstraint
        };
        let obj = Obj::Constraint(nq.clone(), name.clone());
        let add = render::decorated(des, &obj, add_constraint(nq, name, &c.definition));
        let op = ops
            .push(
                phase,
                format!("constraint {nq}.{name}"),
                Some(add),
                Some(drop_constraint(nq, name)),
            )
            .creates([obj]);
        constraint_hazards(op, nq, name, c);
    }
    for (name, i) in &ct.indexes {
        if nt
            .indexes
            .get(name)
            .is_some_and(|n| n.definition == on_new(&i.definition))
        {
            continue;
        }
        let iq = QName::new(&cq.schema, name);
        let obj = Obj::Index(iq.clone());
        ops.push(
            Phase::DropIndex,
            format!("index {iq}"),
            Some(format!("DROP INDEX {};", iq.sql())),
            Some(render::decorated(cur, &obj, format!("{};", i.definition))),
        )
        .drops([obj]);
    }
    for (name, i) in &nt.indexes {
        if ct
            .indexes
            .get(name)
            .is_some_and(|o| on_new(&o.definition) == i.definition)
        {
            continue;
        }
        let iq = QName::new(&nq.schema, name);
        let obj = Obj::Index(iq.clone());
        let op = ops
            .push(
                Phase::CreateIndex,
                format!("index {iq}"),
                Some(render::decorated(des, &obj, format!("{};", i.definition))),
                Some(format!("DROP INDEX {};", iq.sql())),
            )
            .creates([obj]);
        op.hazard(Hazard::Locking(format!(
            "CREATE INDEX {name} on existing table {nq} blocks writes while it builds (CONCURRENTLY avoids that, in a `-- no-transaction` migration)"
        )));
        if i.definition.starts_with("CREATE UNIQUE") {
            op.hazard(Hazard::DataDependent(format!(
                "unique index {name} fails if existing rows are duplicates"
            )));
        }
    }
    triggers_and_policies(ops, cur, des, (cq, nq), ct, nt);
    settings(ops, (cq, nq), ct, nt)
}

fn constraint_hazards(op: &mut super::Op, nq: &QName, name: &str, c: &Constraint) {
    let validated = !c.definition.ends_with("NOT VALID");
    match c.kind {
        'p' | 'u' => {
            op.hazard(Hazard::DataDependent(format!(
                "new {} {name} on {nq}: fails if existing rows are duplicates; builds an index under an ACCESS EXCLUSIVE lock",
                if c.kind == 'p' { "PRIMARY KEY" } else { "UNIQUE" }
            )));
        }
        'c' | 'f' if validated => {
            op.hazard(Hazard::DataDependent(format!(
                "constraint {name} on {nq} validates every existing row (add it NOT VALID, then VALIDATE, to avoid the long lock)"
            )));
        }
        'x' => {
            op.hazard(Hazard::DataDependent(format!(
                "exclusion constraint {name} on {nq}: fails if existing rows conflict"
            )));
        }
        _ => {}
    }
}

fn triggers_and_policies(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    (cq, nq): (&QName, &QName),
    ct: &Table,
    nt: &Table,
) {
    let on_new =
        |def: &str| def.replace(&format!(" ON {} ", cq.sql()), &format!(" ON {} ", nq.sql()));
    for (name, tr) in &ct.triggers {
        let same = nt
            .triggers
            .get(name)
            .is_some_and(|n| n.definition == on_new(&tr.definition));
        if same {
            continue;
        }
        let obj = Obj::Trigger(cq.clone(), name.clone());
        ops.push(
            Phase::DropTrigger,
            format!("trigger {cq}.{name}"),
            Some(format!("DROP TRIGGER {} ON {};", ident(name), cq.sql())),
            Some(render::decorated(cur, &obj, create_trigger(cq, name, tr))),
        )
        .drops([obj]);
    }
    for (name, tr) in &nt.triggers {
        let obj = Obj::Trigger(nq.clone(), name.clone());
        match ct.triggers.get(name) {
            Some(o) if on_new(&o.definition) == tr.definition => {
                if o.enabled != tr.enabled {
                    ops.push(
                        Phase::CreateTrigger,
                        format!("trigger {nq}.{name} state"),
                        Some(render::trigger_state(nq, name, tr.enabled)),
                        Some(render::trigger_state(nq, name, o.enabled)),
                    )
                    .needs([obj]);
                }
            }
            _ => {
                ops.push(
                    Phase::CreateTrigger,
                    format!("trigger {nq}.{name}"),
                    Some(render::decorated(des, &obj, create_trigger(nq, name, tr))),
                    Some(format!("DROP TRIGGER {} ON {};", ident(name), nq.sql())),
                )
                .creates([obj]);
            }
        }
    }
    for (name, p) in &ct.policies {
        if nt.policies.get(name) == Some(p) {
            continue;
        }
        let obj = Obj::Policy(cq.clone(), name.clone());
        ops.push(
            Phase::DropPolicy,
            format!("policy {cq}.{name}"),
            Some(format!("DROP POLICY {} ON {};", ident(name), cq.sql())),
            Some(render::decorated(cur, &obj, create_policy(cq, name, p))),
        )
        .drops([obj]);
    }
    for (name, p) in &nt.policies {
        if ct.policies.get(name) == Some(p) {
            continue;
        }
        let obj = Obj::Policy(nq.clone(), name.clone());
        ops.push(
            Phase::Security,
            format!("policy {nq}.{name}"),
            Some(render::decorated(des, &obj, create_policy(nq, name, p))),
            Some(format!("DROP POLICY {} ON {};", ident(name), nq.sql())),
        )
        .creates([obj]);
    }
}

/// RLS, persistence, storage parameters, partition membership, replica identity, CLUSTER ON.
fn settings(
    ops: &mut Ops,
    (cq, nq): (&QName, &QName),
    ct: &Table,
    nt: &Table,
) -> Result<(), SchemaError> {
    let alter = |what: &str| format!("ALTER TABLE {} {what};", nq.sql());
    let table = Obj::Table(nq.clone());
    for (flag, o, n) in [
        ("ENABLE", ct.rls_enabled, nt.rls_enabled),
        ("FORCE", ct.rls_forced, nt.rls_forced),
    ] {
        if o != n {
            let sql = |on: bool| {
                let verb = match (flag, on) {
                    ("ENABLE", true) => "ENABLE",
                    ("ENABLE", false) => "DISABLE",
                    (_, true) => "FORCE",
                    (_, false) => "NO FORCE",
                };
                alter(&format!("{verb} ROW LEVEL SECURITY"))
            };
            ops.push_ordered(
                Phase::Security,
                -1,
                format!("rls {nq} {flag}"),
                Some(sql(n)),
                Some(sql(o)),
            )
            .needs([table.clone()]);
        }
    }
    if ct.partition_by != nt.partition_by {
        return Err(SchemaError::Unsupported {
            object: format!("table {nq}"),
            reason: format!(
                "its partitioning changes ({} → {}): a table cannot be re-partitioned in place; create the new table and move the rows by hand",
                ct.partition_by.as_deref().unwrap_or("none"),
                nt.partition_by.as_deref().unwrap_or("none")
            ),
        });
    }
    if ct.unlogged != nt.unlogged {
        let sql = |u: bool| alter(if u { "SET UNLOGGED" } else { "SET LOGGED" });
        ops.push(
            Phase::AlterTable,
            format!("table {nq} persistence"),
            Some(sql(nt.unlogged)),
            Some(sql(ct.unlogged)),
        )
        .needs([table.clone()])
        .hazard(Hazard::Locking(format!(
            "SET {}LOGGED rewrites {nq} under an ACCESS EXCLUSIVE lock",
            if nt.unlogged { "UN" } else { "" }
        )));
    }
    if sorted(&ct.options) != sorted(&nt.options) {
        // RESET everything, then SET in order: PostgreSQL keeps the order options are set in.
        let change = |from: &[String], to: &[String]| {
            let key = |o: &String| o.split('=').next().unwrap_or_default().to_string();
            let keys: Vec<String> = from.iter().map(key).collect();
            let mut out = Vec::new();
            if !keys.is_empty() {
                out.push(alter(&format!("RESET ({})", keys.join(", "))));
            }
            if !to.is_empty() {
                out.push(alter(&format!("SET ({})", to.join(", "))));
            }
            out.join("\n")
        };
        ops.push(
            Phase::AlterTable,
            format!("table {nq} options"),
            Some(change(&ct.options, &nt.options)),
            Some(change(&nt.options, &ct.options)),
        )
        .needs([table.clone()]);
    }
    partition_membership(ops, (cq, nq), ct, nt);
    if ct.replica_identity != nt.replica_identity {
        let sql = |r: &Option<String>| {
            alter(&format!(
                "REPLICA IDENTITY {}",
                r.as_deref().unwrap_or("DEFAULT")
            ))
        };
        ops.push_ordered(
            Phase::AddForeignKey,
            1,
            format!("replica identity {nq}"),
            Some(sql(&nt.replica_identity)),
            Some(sql(&ct.replica_identity)),
        )
        .needs([table.clone()])
        .needs(replica_index(nq, nt))
        .precedes_drop(replica_index(cq, ct));
    }
    if ct.clustered_on != nt.clustered_on {
        let sql = |c: &Option<String>| match c {
            Some(i) => alter(&format!("CLUSTER ON {}", ident(i))),
            None => alter("SET WITHOUT CLUSTER"),
        };
        let needs: Vec<Obj> = nt
            .clustered_on
            .iter()
            .map(|i| index_obj(nq, nt, i))
            .collect();
        let before: Vec<Obj> = ct
            .clustered_on
            .iter()
            .map(|i| index_obj(cq, ct, i))
            .collect();
        ops.push_ordered(
            Phase::AddForeignKey,
            1,
            format!("cluster {nq}"),
            Some(sql(&nt.clustered_on)),
            Some(sql(&ct.clustered_on)),
        )
        .needs([table])
        .needs(needs)
        .precedes_drop(before);
    }
    Ok(())
}

/// Options compared as a set (their order is not part of their meaning).
pub(crate) fn sorted(o: &[String]) -> Vec<&String> {
    let mut v: Vec<&String> = o.iter().collect();
    v.sort();
    v
}

/// A kept table that becomes a partition, stops being one, or changes its bound.
fn partition_membership(ops: &mut Ops, (cq, nq): (&QName, &QName), ct: &Table, nt: &Table) {
    if ct.partition_of == nt.partition_of {
        return;
    }
    let attach = |p: &PartitionOf, t: &QName| {
        format!(
            "ALTER TABLE {} ATTACH PARTITION {} {};",
            p.parent.sql(),
            t.sql(),
            p.bound
        )
    };
    let detach = |p: &PartitionOf, t: &QName| {
        format!(
            "ALTER TABLE {} DETACH PARTITION {};",
            p.parent.sql(),
            t.sql()
        )
    };
    if let Some(p) = &ct.partition_of {
        ops.push(
            Phase::Detach,
            format!("partition {cq} detach"),
            Some(detach(p, cq)),
            Some(attach(p, cq)),
        )
        .drops([Obj::Partition(cq.clone())]);
    }
    if let Some(p) = &nt.partition_of {
        let columns: Vec<Obj> = nt
            .columns
            .iter()
            .map(|c| Obj::Column(nq.clone(), c.name.clone()))
            .collect();
        ops.push(
            Phase::AddConstraint,
            format!("partition {nq} attach"),
            Some(attach(p, nq)),
            Some(detach(p, nq)),
        )
        .creates([Obj::Partition(nq.clone())])
        .needs(columns)
        .hazard(Hazard::DataDependent(format!(
            "ATTACH PARTITION {nq} scans it to check the bound (fails if rows fall outside it)"
        )));
    }
}
