//! The parts of a table that exists on both sides: columns (add, drop, alter type / default /
//! NOT NULL / identity / collation), constraints, indexes, triggers, policies, RLS, comments.

use std::collections::BTreeSet;

use super::tables::{
    Changes, column_spec, create_policy, identity_clause, identity_options_differ,
};
use super::{Fate, Ops, Phase, comment_ops};
use crate::migrator::schema::SchemaError;
use crate::migrator::schema::lint::{Hazard, is_narrowing};
use crate::migrator::schema::model::*;

/// Columns of a kept table (`cq` current name, `nq` desired name).
pub(crate) fn columns(
    ops: &mut Ops,
    cq: &QName,
    nq: &QName,
    ct: &Table,
    nt: &Table,
    ch: &mut Changes,
) -> Result<(), SchemaError> {
    let t = nq.sql();
    for c in &ct.columns {
        let (_, name) = ch.current_to_desired(cq, &c.name);
        let target = format!("COLUMN {}.{}", t, ident(&name));
        match nt.column(&name) {
            None => {
                ch.dropped_columns.insert((cq.clone(), c.name.clone()));
                ops.push(
                    Phase::DropColumn,
                    format!("column {nq}.{}", c.name),
                    Some(format!("ALTER TABLE {t} DROP COLUMN {};", ident(&c.name))),
                    Some(format!("ALTER TABLE {t} ADD COLUMN {};", column_spec(c))),
                )
                .hazard(Hazard::Destructive(format!(
                    "drops column {nq}.{} and its data",
                    c.name
                )));
                let old_target = format!("COLUMN {}.{}", cq.sql(), ident(&c.name));
                comment_ops(ops, &old_target, Fate::Dropped, c.comment.as_ref(), None);
            }
            Some(n) => {
                alter(ops, nq, c, n, ch, cq)?;
                comment_ops(
                    ops,
                    &target,
                    Fate::Kept,
                    c.comment.as_ref(),
                    n.comment.as_ref(),
                );
            }
        }
    }
    let current_names: BTreeSet<String> = ct
        .columns
        .iter()
        .map(|c| ch.current_to_desired(cq, &c.name).1)
        .collect();
    for n in &nt.columns {
        if current_names.contains(&n.name) {
            continue;
        }
        ch.created_columns.insert((nq.clone(), n.name.clone()));
        let op = ops.push(
            Phase::AlterColumn,
            format!("column {nq}.{}", n.name),
            Some(format!("ALTER TABLE {t} ADD COLUMN {};", column_spec(n))),
            Some(format!("ALTER TABLE {t} DROP COLUMN {};", ident(&n.name))),
        );
        if n.not_null && n.default.is_none() && n.identity.is_none() && n.generated.is_none() {
            op.hazard(Hazard::DataDependent(format!(
                "adds NOT NULL column {nq}.{} without a default: fails if the table has rows",
                n.name
            )));
        }
        if n.generated.is_some() || n.identity.is_some() {
            op.hazard(Hazard::Locking(format!(
                "adding {nq}.{} rewrites the table under an ACCESS EXCLUSIVE lock",
                n.name
            )));
        }
        let target = format!("COLUMN {}.{}", t, ident(&n.name));
        comment_ops(ops, &target, Fate::Created, None, n.comment.as_ref());
    }
    Ok(())
}

/// ALTER COLUMN steps from `o` to `n`; each its own operation so that down undoes them in
/// reverse (identity, default, type, default, NOT NULL, identity).
fn alter(
    ops: &mut Ops,
    nq: &QName,
    o: &Column,
    n: &Column,
    ch: &mut Changes,
    cq: &QName,
) -> Result<(), SchemaError> {
    if o.generated != n.generated {
        return Err(SchemaError::Unsupported {
            object: format!("column {nq}.{}", n.name),
            reason: "changing a generated column's expression (or making a column generated) needs a drop and re-add; write it by hand".into(),
        });
    }
    let col = format!("ALTER TABLE {} ALTER COLUMN {}", nq.sql(), ident(&n.name));
    let key = format!("column {nq}.{}", n.name);
    let identity = |c: &Column| match c.identity {
        Some('a') => "ALWAYS",
        _ => "BY DEFAULT",
    };
    let retype = o.type_sql != n.type_sql || o.collation != n.collation;
    if o.identity.is_some() && n.identity.is_none() {
        ops.push(
            Phase::AlterColumn,
            key.clone(),
            Some(format!("{col} DROP IDENTITY;")),
            Some(format!("{col} ADD{};", identity_clause(o))),
        );
    }
    let default_changes = o.default != n.default;
    if o.default.is_some() && (default_changes || retype) {
        // Early (with the column drops): the old default may use a sequence or function
        // that is dropped later in the plan.
        ops.push(
            Phase::DropColumn,
            key.clone(),
            Some(format!("{col} DROP DEFAULT;")),
            o.default
                .as_ref()
                .map(|d| format!("{col} SET DEFAULT {d};")),
        );
    }
    if retype {
        ch.retyped_columns.insert((cq.clone(), o.name.clone()));
        let spec = |c: &Column| {
            let coll = c
                .collation
                .as_ref()
                .map(|q| format!(" COLLATE {}", q.sql()))
                .unwrap_or_default();
            format!(
                "{col} TYPE {}{coll} USING {}::{};",
                c.type_sql,
                ident(&n.name),
                c.type_sql
            )
        };
        let op = ops.push(
            Phase::AlterColumn,
            key.clone(),
            Some(spec(n)),
            Some(spec(o)),
        );
        if is_narrowing(&o.type_sql, &n.type_sql) {
            op.hazard(Hazard::Destructive(format!(
                "narrows {nq}.{} from {} to {}: fails or loses data on existing values",
                n.name, o.type_sql, n.type_sql
            )));
        }
        op.hazard(Hazard::Locking(format!(
            "changing the type of {nq}.{} may rewrite the table under an ACCESS EXCLUSIVE lock",
            n.name
        )));
    }
    if let Some(d) = &n.default
        && (default_changes || retype)
    {
        ops.push(
            Phase::AlterColumn,
            key.clone(),
            Some(format!("{col} SET DEFAULT {d};")),
            Some(format!("{col} DROP DEFAULT;")),
        );
    }
    if o.not_null != n.not_null && !(n.identity.is_some() && o.identity.is_none()) {
        let (set, drop) = (
            format!("{col} SET NOT NULL;"),
            format!("{col} DROP NOT NULL;"),
        );
        if n.not_null {
            ops.push(Phase::AlterColumn, key.clone(), Some(set), Some(drop)).hazard(Hazard::DataDependent(format!(
                "SET NOT NULL on {nq}.{}: fails if existing rows hold NULL, and scans the table",
                n.name
            )));
        } else {
            ops.push(Phase::AlterColumn, key.clone(), Some(drop), Some(set));
        }
    }
    if n.identity.is_some() {
        if o.identity.is_none() {
            // ADD IDENTITY needs NOT NULL first; down drops the identity, then NOT NULL.
            let down_nn = (!o.not_null).then(|| format!("{col} DROP NOT NULL;"));
            if !o.not_null {
                ops.push(
                    Phase::AlterColumn,
                    key.clone(),
                    Some(format!("{col} SET NOT NULL;")),
                    down_nn,
                );
            }
            ops.push(
                Phase::AlterColumn,
                key.clone(),
                Some(format!("{col} ADD{};", identity_clause(n))),
                Some(format!("{col} DROP IDENTITY;")),
            );
        } else {
            if o.identity != n.identity {
                ops.push(
                    Phase::AlterColumn,
                    key.clone(),
                    Some(format!("{col} SET GENERATED {};", identity(n))),
                    Some(format!("{col} SET GENERATED {};", identity(o))),
                );
            }
            if identity_options_differ(o, n) {
                let set = |c: &Column| {
                    let opts = c.identity_options.clone().unwrap_or_default();
                    let sets: Vec<String> = opts.iter().map(|p| format!("SET {p}")).collect();
                    format!("{col} {};", sets.join(" "))
                };
                ops.push(Phase::AlterColumn, key, Some(set(n)), Some(set(o)));
            }
        }
    }
    Ok(())
}

/// `CREATE [UNIQUE] INDEX name ON …` with the name replaced.
fn index_def_named(def: &str, old: &str, new: &str) -> String {
    let (o, n) = (
        format!(" INDEX {} ON ", ident(old)),
        format!(" INDEX {} ON ", ident(new)),
    );
    def.replacen(&o, &n, 1)
}

/// Constraints and indexes that only changed name (same definition) are renamed in place;
/// returns the current table with those names already changed.
fn renamed_parts(ops: &mut Ops, cq: &QName, nq: &QName, ct: &Table, nt: &Table) -> Table {
    let mut out = ct.clone();
    let mut taken: BTreeSet<&String> = BTreeSet::new();
    for (old, c) in &ct.constraints {
        if nt.constraints.contains_key(old) {
            continue;
        }
        let found = nt.constraints.iter().find(|(n, d)| {
            !ct.constraints.contains_key(*n)
                && !taken.contains(n)
                && d.kind == c.kind
                && d.definition == c.definition
        });
        if let Some((new, _)) = found {
            taken.insert(new);
            ops.push_ordered(
                Phase::Rename,
                2,
                format!("constraint {nq}.{new} rename"),
                Some(format!(
                    "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
                    nq.sql(),
                    ident(old),
                    ident(new)
                )),
                Some(format!(
                    "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
                    nq.sql(),
                    ident(new),
                    ident(old)
                )),
            );
            if let Some(c) = out.constraints.remove(old) {
                out.constraints.insert(new.clone(), c);
            }
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
        if let Some((new, _)) = found {
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
            );
            if let Some(mut moved) = out.indexes.remove(old) {
                moved.definition = index_def_named(&moved.definition, old, new);
                out.indexes.insert(new.clone(), moved);
            }
        }
    }
    out
}

/// Constraints, indexes, triggers, policies, RLS and the table comment of a kept table.
pub(crate) fn parts(
    ops: &mut Ops,
    cq: &QName,
    nq: &QName,
    ct: &Table,
    nt: &Table,
    key_changed: &BTreeSet<QName>,
    retyped: bool,
) {
    let when_blocks = |def: &str| retyped && def.contains(" WHEN (");
    let on_new =
        |def: &str| def.replace(&format!(" ON {} ", cq.sql()), &format!(" ON {} ", nq.sql()));
    let renamed = renamed_parts(ops, cq, nq, ct, nt);
    let ct = &renamed;
    for (name, c) in &ct.constraints {
        let n = nt.constraints.get(name);
        let into_changed_key = c.kind == 'f'
            && c.references
                .as_ref()
                .is_some_and(|r| key_changed.contains(r));
        let same = n.is_some_and(|n| n.definition == c.definition && n.kind == c.kind);
        let (drop_phase, _) = if c.kind == 'f' {
            (Phase::DropForeignKey, Phase::AddForeignKey)
        } else {
            (Phase::DropConstraint, Phase::AddConstraint)
        };
        let target_old = format!("CONSTRAINT {} ON {}", ident(name), cq.sql());
        if same && !into_changed_key {
            let target = format!("CONSTRAINT {} ON {}", ident(name), nq.sql());
            comment_ops(
                ops,
                &target,
                Fate::Kept,
                c.comment.as_ref(),
                n.and_then(|n| n.comment.as_ref()),
            );
            continue;
        }
        ops.push(
            drop_phase,
            format!("constraint {cq}.{name}"),
            Some(format!(
                "ALTER TABLE {} DROP CONSTRAINT {};",
                cq.sql(),
                ident(name)
            )),
            Some(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {};",
                cq.sql(),
                ident(name),
                c.definition
            )),
        );
        comment_ops(ops, &target_old, Fate::Dropped, c.comment.as_ref(), None);
    }
    for (name, c) in &nt.constraints {
        let o = ct.constraints.get(name);
        let into_changed_key = c.kind == 'f'
            && o.and_then(|o| o.references.as_ref())
                .is_some_and(|r| key_changed.contains(r));
        if o.is_some_and(|o| o.definition == c.definition && o.kind == c.kind) && !into_changed_key
        {
            continue;
        }
        let add_phase = if c.kind == 'f' {
            Phase::AddForeignKey
        } else {
            Phase::AddConstraint
        };
        let op = ops.push(
            add_phase,
            format!("constraint {nq}.{name}"),
            Some(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {};",
                nq.sql(),
                ident(name),
                c.definition
            )),
            Some(format!(
                "ALTER TABLE {} DROP CONSTRAINT {};",
                nq.sql(),
                ident(name)
            )),
        );
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
        let target = format!("CONSTRAINT {} ON {}", ident(name), nq.sql());
        comment_ops(ops, &target, Fate::Created, None, c.comment.as_ref());
    }
    for (name, i) in &ct.indexes {
        let iq = QName::new(&cq.schema, name);
        let n = nt.indexes.get(name);
        if n.is_some_and(|n| n.definition == on_new(&i.definition)) {
            comment_ops(
                ops,
                &format!("INDEX {}", iq.sql()),
                Fate::Kept,
                i.comment.as_ref(),
                n.and_then(|n| n.comment.as_ref()),
            );
            continue;
        }
        ops.push(
            Phase::DropIndex,
            format!("index {iq}"),
            Some(format!("DROP INDEX {};", iq.sql())),
            Some(format!("{};", i.definition)),
        );
        comment_ops(
            ops,
            &format!("INDEX {}", iq.sql()),
            Fate::Dropped,
            i.comment.as_ref(),
            None,
        );
    }
    for (name, i) in &nt.indexes {
        let iq = QName::new(&nq.schema, name);
        if ct
            .indexes
            .get(name)
            .is_some_and(|o| on_new(&o.definition) == i.definition)
        {
            continue;
        }
        let op = ops.push(
            Phase::CreateIndex,
            format!("index {iq}"),
            Some(format!("{};", i.definition)),
            Some(format!("DROP INDEX {};", iq.sql())),
        );
        op.hazard(Hazard::Locking(format!(
            "CREATE INDEX {name} on existing table {nq} blocks writes while it builds (CONCURRENTLY avoids that, in a `-- no-transaction` migration)"
        )));
        if i.definition.starts_with("CREATE UNIQUE") {
            op.hazard(Hazard::DataDependent(format!(
                "unique index {name} fails if existing rows are duplicates"
            )));
        }
        comment_ops(
            ops,
            &format!("INDEX {}", iq.sql()),
            Fate::Created,
            None,
            i.comment.as_ref(),
        );
    }
    for (name, tr) in &ct.triggers {
        if nt
            .triggers
            .get(name)
            .is_some_and(|n| n.definition == on_new(&tr.definition))
            && !when_blocks(&tr.definition)
        {
            continue;
        }
        ops.push(
            Phase::DropTrigger,
            format!("trigger {cq}.{name}"),
            Some(format!("DROP TRIGGER {} ON {};", ident(name), cq.sql())),
            Some(format!("{};", tr.definition)),
        );
    }
    for (name, tr) in &nt.triggers {
        if ct
            .triggers
            .get(name)
            .is_some_and(|o| on_new(&o.definition) == tr.definition)
            && !when_blocks(&tr.definition)
        {
            continue;
        }
        ops.push(
            Phase::CreateTrigger,
            format!("trigger {nq}.{name}"),
            Some(format!("{};", tr.definition)),
            Some(format!("DROP TRIGGER {} ON {};", ident(name), nq.sql())),
        );
    }
    for (name, p) in &ct.policies {
        if nt.policies.get(name) == Some(p) && !retyped {
            continue;
        }
        ops.push(
            Phase::DropPolicy,
            format!("policy {cq}.{name}"),
            Some(format!("DROP POLICY {} ON {};", ident(name), cq.sql())),
            Some(create_policy(cq, name, p)),
        );
    }
    for (name, p) in &nt.policies {
        if ct.policies.get(name) == Some(p) && !retyped {
            continue;
        }
        ops.push(
            Phase::Security,
            format!("policy {nq}.{name}"),
            Some(create_policy(nq, name, p)),
            Some(format!("DROP POLICY {} ON {};", ident(name), nq.sql())),
        );
    }
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
                format!("ALTER TABLE {} {verb} ROW LEVEL SECURITY;", nq.sql())
            };
            ops.push_ordered(
                Phase::Security,
                -1,
                format!("rls {nq} {flag}"),
                Some(sql(n)),
                Some(sql(o)),
            );
        }
    }
    comment_ops(
        ops,
        &format!("TABLE {}", nq.sql()),
        Fate::Kept,
        ct.comment.as_ref(),
        nt.comment.as_ref(),
    );
}
