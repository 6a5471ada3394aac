//! Schemas, extensions, functions, sequences, extended statistics, the comments and
//! privileges of kept objects, and the fingerprints of objects the engine does not generate.

use std::collections::BTreeSet;

use super::render::{self, decorated};
use super::tables::Changes;
use super::{Ops, Phase};
use crate::schema::SchemaError;
use crate::schema::introspect::default_acl_baseline;
use crate::schema::lint::Hazard;
use crate::schema::model::*;

/// Objects kept as fingerprints must be equal on both sides: anything added, removed or
/// changed is refused, naming it.
pub(crate) fn opaque(cur: &Schema, des: &Schema) -> Result<(), SchemaError> {
    let keys: BTreeSet<&String> = cur.opaque.keys().chain(des.opaque.keys()).collect();
    for k in keys {
        let (a, b) = (cur.opaque.get(k), des.opaque.get(k));
        if a == b {
            continue;
        }
        let what = match (a, b) {
            (None, _) => "it is added",
            (_, None) => "it is removed",
            _ => "it changes",
        };
        let hint = if k.starts_with("invalid index") {
            " (drop it, or REINDEX it, on the database the migrations run on)".to_string()
        } else {
            String::new()
        };
        return Err(SchemaError::Unsupported {
            object: k.clone(),
            reason: format!(
                "{what}, and migrations for this kind of object are not generated{hint}"
            ),
        });
    }
    Ok(())
}

pub(crate) fn schemas(ops: &mut Ops, cur: &Schema, des: &Schema) {
    let create = |s: &Schema, n: &str| {
        decorated(
            s,
            &Obj::Schema(n.to_string()),
            format!("CREATE SCHEMA {};", ident(n)),
        )
    };
    let drop = |n: &str| format!("DROP SCHEMA {};", ident(n));
    for s in cur.schemas.difference(&des.schemas) {
        ops.push(
            Phase::DropSchema,
            format!("schema {s}"),
            Some(drop(s)),
            Some(create(cur, s)),
        )
        .drops([Obj::Schema(s.clone())])
        .hazard(Hazard::Destructive(format!("drops schema {s}")));
    }
    for s in des.schemas.difference(&cur.schemas) {
        ops.push(
            Phase::CreateSchema,
            format!("schema {s}"),
            Some(create(des, s)),
            Some(drop(s)),
        )
        .creates([Obj::Schema(s.clone())]);
    }
}

pub(crate) fn extensions(ops: &mut Ops, cur: &Schema, des: &Schema) {
    let create = |s: &Schema, e: &str, sch: &str| {
        decorated(
            s,
            &Obj::Extension(e.to_string()),
            format!("CREATE EXTENSION {} WITH SCHEMA {};", ident(e), ident(sch)),
        )
    };
    let drop = |e: &str| format!("DROP EXTENSION {};", ident(e));
    for (e, s) in &cur.extensions {
        let obj = Obj::Extension(e.clone());
        match des.extensions.get(e) {
            None => {
                ops.push(
                    Phase::DropExtension,
                    format!("extension {e}"),
                    Some(drop(e)),
                    Some(create(cur, e, s)),
                )
                .drops([obj])
                .hazard(Hazard::Destructive(format!("drops extension {e}")));
            }
            Some(s2) if s2 != s => {
                let set =
                    |to: &str| format!("ALTER EXTENSION {} SET SCHEMA {};", ident(e), ident(to));
                ops.push(
                    Phase::CreateExtension,
                    format!("extension {e}"),
                    Some(set(s2)),
                    Some(set(s)),
                )
                .creates([obj])
                .needs([Obj::Schema(s2.clone())]);
            }
            Some(_) => {}
        }
    }
    for (e, s) in &des.extensions {
        if !cur.extensions.contains_key(e) {
            ops.push(
                Phase::CreateExtension,
                format!("extension {e}"),
                Some(create(des, e, s)),
                Some(drop(e)),
            )
            .creates([Obj::Extension(e.clone())]);
        }
    }
}

/// Functions, procedures and aggregates: new ones created, removed ones dropped, changed ones
/// replaced in place when `CREATE OR REPLACE` can (same result, kind and argument names and
/// defaults), else dropped and created again (their dependents are recreated around it).
pub(crate) fn functions(ops: &mut Ops, cur: &Schema, des: &Schema) {
    let create = |s: &Schema, k: &str, f: &Function| {
        decorated(
            s,
            &Obj::Function(k.to_string()),
            format!("{};", f.definition),
        )
    };
    let drop = |f: &Function| format!("DROP {} {};", f.kind, f.signature);
    for (k, f) in &cur.functions {
        let obj = Obj::Function(k.clone());
        match des.functions.get(k) {
            None => {
                ops.push(
                    Phase::DropFunction,
                    format!("function {k}"),
                    Some(drop(f)),
                    Some(create(cur, k, f)),
                )
                .drops([obj]);
                ops.functions = true;
            }
            Some(n) if n.definition != f.definition => {
                ops.functions = true;
                let replaceable = n.result == f.result
                    && n.kind == f.kind
                    && n.arguments == f.arguments
                    && f.kind != "AGGREGATE";
                if replaceable {
                    ops.push(
                        Phase::CreateFunction,
                        format!("function {k}"),
                        Some(format!("{};", n.definition)),
                        Some(format!("{};", f.definition)),
                    )
                    .creates([obj]);
                } else {
                    ops.push(
                        Phase::DropFunction,
                        format!("function {k}"),
                        Some(drop(f)),
                        Some(create(cur, k, f)),
                    )
                    .drops([obj.clone()]);
                    ops.push(
                        Phase::CreateFunction,
                        format!("function {k}"),
                        Some(create(des, k, n)),
                        Some(drop(n)),
                    )
                    .creates([obj]);
                }
            }
            Some(_) => {}
        }
    }
    for (k, f) in &des.functions {
        if !cur.functions.contains_key(k) {
            ops.functions = true;
            ops.push(
                Phase::CreateFunction,
                format!("function {k}"),
                Some(create(des, k, f)),
                Some(drop(f)),
            )
            .creates([Obj::Function(k.clone())]);
        }
    }
}

fn create_sequence(s: &Schema, q: &QName, seq: &Sequence) -> String {
    let unlogged = if seq.unlogged { "UNLOGGED " } else { "" };
    decorated(
        s,
        &Obj::Sequence(q.clone()),
        format!(
            "CREATE {unlogged}SEQUENCE {} {};",
            q.sql(),
            sequence_options(seq)
        ),
    )
}

fn sequence_options(s: &Sequence) -> String {
    format!(
        "AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}",
        s.data_type,
        s.increment,
        s.min,
        s.max,
        s.start,
        s.cache,
        if s.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}

fn owned_by(q: &QName, owner: Option<&(QName, String)>) -> String {
    match owner {
        Some((t, c)) => format!(
            "ALTER SEQUENCE {} OWNED BY {}.{};",
            q.sql(),
            t.sql(),
            ident(c)
        ),
        None => format!("ALTER SEQUENCE {} OWNED BY NONE;", q.sql()),
    }
}

/// Sequences: create/drop/alter options and persistence, and `OWNED BY`. A sequence owned by a
/// column goes away with that column; one that must outlive its owning column (a table dropped
/// while another keeps using its sequence) is released from it first.
pub(crate) fn sequences(ops: &mut Ops, cur: &Schema, des: &Schema, ch: &Changes) {
    for (q, s) in &cur.sequences {
        let obj = Obj::Sequence(q.clone());
        let owner = Obj::SeqOwner(q.clone());
        let goes_with_owner = s
            .owned_by
            .as_ref()
            .is_some_and(|(t, c)| ch.column_dropped(t, c));
        let Some(n) = des.sequences.get(q) else {
            let up = (!goes_with_owner).then(|| format!("DROP SEQUENCE {};", q.sql()));
            ops.push(
                Phase::DropSequence,
                format!("sequence {q}"),
                up,
                Some(create_sequence(cur, q, s)),
            )
            .drops([obj]);
            if s.owned_by.is_some() {
                ops.push(
                    Phase::Forget,
                    format!("sequence {q} owner"),
                    None,
                    Some(owned_by(q, s.owned_by.as_ref())),
                )
                .drops([owner]);
            }
            continue;
        };
        if sequence_options(n) != sequence_options(s) {
            let alter =
                |x: &Sequence| format!("ALTER SEQUENCE {} {};", q.sql(), sequence_options(x));
            ops.push(
                Phase::CreateSequence,
                format!("sequence {q}"),
                Some(alter(n)),
                Some(alter(s)),
            )
            .needs([obj.clone()]);
        }
        if n.unlogged != s.unlogged {
            let set = |u: bool| {
                format!(
                    "ALTER SEQUENCE {} SET {};",
                    q.sql(),
                    if u { "UNLOGGED" } else { "LOGGED" }
                )
            };
            ops.push(
                Phase::CreateSequence,
                format!("sequence {q} persistence"),
                Some(set(n.unlogged)),
                Some(set(s.unlogged)),
            )
            .needs([obj.clone()]);
        }
        let old_owner = s
            .owned_by
            .as_ref()
            .map(|(t, c)| ch.current_to_desired(t, c));
        if old_owner.as_ref() == n.owned_by.as_ref() {
            continue;
        }
        if goes_with_owner {
            // Released before its owner is dropped, owned again once the new owner exists.
            ops.push(
                Phase::Detach,
                format!("sequence {q} owner"),
                Some(owned_by(q, None)),
                Some(owned_by(q, s.owned_by.as_ref())),
            )
            .drops([owner.clone()]);
            if n.owned_by.is_some() {
                ops.push(
                    Phase::OwnSequence,
                    format!("sequence {q} owner"),
                    Some(owned_by(q, n.owned_by.as_ref())),
                    Some(owned_by(q, None)),
                )
                .creates([owner]);
            }
        } else {
            // Down gives it back to its old owner, unless that owner is created by up (then
            // dropping it in down takes the sequence along).
            let down = (!n
                .owned_by
                .as_ref()
                .is_some_and(|(t, c)| ch.column_created(t, c)))
            .then(|| owned_by(q, s.owned_by.as_ref()));
            let op = ops.push(
                Phase::OwnSequence,
                format!("sequence {q} owner"),
                Some(owned_by(q, n.owned_by.as_ref())),
                down,
            );
            if n.owned_by.is_some() {
                op.creates([owner]);
            } else {
                op.drops([owner]);
            }
        }
    }
    for (q, s) in &des.sequences {
        if cur.sequences.contains_key(q) {
            continue;
        }
        let with_owner = s
            .owned_by
            .as_ref()
            .is_some_and(|(t, c)| ch.column_created(t, c));
        let down = (!with_owner).then(|| format!("DROP SEQUENCE {};", q.sql()));
        ops.push(
            Phase::CreateSequence,
            format!("sequence {q}"),
            Some(create_sequence(des, q, s)),
            down,
        )
        .creates([Obj::Sequence(q.clone())]);
        if s.owned_by.is_some() {
            let down = (!with_owner).then(|| owned_by(q, None));
            ops.push(
                Phase::OwnSequence,
                format!("sequence {q} owner"),
                Some(owned_by(q, s.owned_by.as_ref())),
                down,
            )
            .creates([Obj::SeqOwner(q.clone())]);
        }
    }
}

/// `CREATE STATISTICS …;` with its target when set.
pub(crate) fn create_statistics(q: &QName, st: &Statistics) -> String {
    let mut s = format!("{};", st.definition);
    if let Some(t) = st.target {
        s.push_str(&format!(
            "\nALTER STATISTICS {} SET STATISTICS {t};",
            q.sql()
        ));
    }
    s
}

pub(crate) fn statistics(ops: &mut Ops, cur: &Schema, des: &Schema, _ch: &Changes) {
    let drop = |q: &QName| format!("DROP STATISTICS {};", q.sql());
    for (q, st) in &cur.statistics {
        let obj = Obj::Statistics(q.clone());
        let create_cur = decorated(cur, &obj, create_statistics(q, st));
        match des.statistics.get(q) {
            Some(n) if n == st => {}
            Some(n) if n.definition == st.definition => {
                let set = |t: Option<i32>| {
                    format!(
                        "ALTER STATISTICS {} SET STATISTICS {};",
                        q.sql(),
                        t.unwrap_or(-1)
                    )
                };
                ops.push(
                    Phase::CreateStatistics,
                    format!("statistics {q}"),
                    Some(set(n.target)),
                    Some(set(st.target)),
                )
                .needs([obj]);
            }
            other => {
                ops.push(
                    Phase::DropStatistics,
                    format!("statistics {q}"),
                    Some(drop(q)),
                    Some(create_cur),
                )
                .drops([obj.clone()]);
                if let Some(n) = other {
                    ops.push(
                        Phase::CreateStatistics,
                        format!("statistics {q}"),
                        Some(decorated(des, &obj, create_statistics(q, n))),
                        Some(drop(q)),
                    )
                    .creates([obj]);
                }
            }
        }
    }
    for (q, st) in &des.statistics {
        if !cur.statistics.contains_key(q) {
            let obj = Obj::Statistics(q.clone());
            ops.push(
                Phase::CreateStatistics,
                format!("statistics {q}"),
                Some(decorated(des, &obj, create_statistics(q, st))),
                Some(drop(q)),
            )
            .creates([obj]);
        }
    }
}

/// Comments and privileges of objects that exist on both sides and are not recreated (those
/// that are carry theirs in their create statements).
pub(crate) fn comments_and_privileges(ops: &mut Ops, cur: &Schema, des: &Schema, ch: &Changes) {
    let dropped: BTreeSet<Obj> = ops.dropped().into_iter().cloned().collect();
    let created: BTreeSet<Obj> = ops
        .iter()
        .filter(|o| !o.rename)
        .flat_map(|o| o.creates.iter().cloned())
        .collect();
    let from_desired = |o: &Obj| -> Obj {
        cur.comments
            .keys()
            .chain(cur.privileges.keys())
            .find(|c| ch.to_desired(c) == *o)
            .cloned()
            .unwrap_or_else(|| o.clone())
    };
    let mut pairs: BTreeSet<(Obj, Obj)> = BTreeSet::new();
    for o in cur.comments.keys().chain(cur.privileges.keys()) {
        pairs.insert((o.clone(), ch.to_desired(o)));
    }
    for o in des.comments.keys().chain(des.privileges.keys()) {
        pairs.insert((from_desired(o), o.clone()));
    }
    for (oc, od) in pairs {
        if dropped.contains(&oc) || created.contains(&od) || render::target(des, &od).is_none() {
            continue;
        }
        let (a, b) = (cur.comments.get(&oc), des.comments.get(&od));
        if a != b
            && let (Some(up), Some(down)) =
                (render::comment(des, &od, b), render::comment(cur, &oc, a))
        {
            ops.push(
                Phase::Comment,
                format!("comment on {od}"),
                Some(up),
                Some(down),
            )
            .needs([od.clone()]);
        }
        let (ga, gb) = (render::grants_of(cur, &oc), render::grants_of(des, &od));
        if ga != gb {
            let up = render::privileges(des, &od, &ga, &gb);
            let down = render::privileges(cur, &oc, &gb, &ga);
            // A table-level REVOKE takes column-level grants along: columns come after.
            let order = i64::from(matches!(od, Obj::Column(..)));
            if !up.is_empty() {
                ops.push_ordered(
                    Phase::Privileges,
                    order,
                    format!("privileges on {od}"),
                    Some(up.join("\n")),
                    Some(down.join("\n")),
                )
                .needs([od]);
            }
        }
    }
}

/// `ALTER DEFAULT PRIVILEGES` changes. They run after everything this migration creates, so
/// that what it creates gets exactly the privileges schema.sql gives it.
pub(crate) fn default_privileges(ops: &mut Ops, cur: &Schema, des: &Schema) {
    let keys: BTreeSet<&DefaultAcl> = cur
        .default_privileges
        .keys()
        .chain(des.default_privileges.keys())
        .collect();
    if keys.is_empty() {
        return;
    }
    let created: Vec<Obj> = ops
        .iter()
        .filter(|o| !o.rename)
        .flat_map(|o| o.creates.iter().cloned())
        .collect();
    for k in keys {
        let base = default_acl_baseline(k);
        let from = cur.default_privileges.get(k).unwrap_or(&base);
        let to = des.default_privileges.get(k).unwrap_or(&base);
        if from == to {
            continue;
        }
        let mut prefix = "ALTER DEFAULT PRIVILEGES ".to_string();
        if let Some(r) = &k.role {
            prefix.push_str(&format!("FOR ROLE {} ", ident(r)));
        }
        if let Some(sch) = &k.schema {
            prefix.push_str(&format!("IN SCHEMA {} ", ident(sch)));
        }
        let on = match k.objtype {
            'S' => "SEQUENCES",
            'f' => "FUNCTIONS",
            'T' => "TYPES",
            'n' => "SCHEMAS",
            _ => "TABLES",
        };
        let up = render::grant_statements(&prefix, "", on, from, to);
        let down = render::grant_statements(&prefix, "", on, to, from);
        ops.push_ordered(
            Phase::Privileges,
            1,
            format!("default privileges {k:?}"),
            Some(up.join("\n")),
            Some(down.join("\n")),
        )
        .needs(created.iter().cloned())
        .needs(k.schema.iter().map(|s| Obj::Schema(s.clone())))
        // Revoked while its schema still exists (a dropped schema takes them along, but
        // REVOKE … IN SCHEMA after the DROP fails).
        .precedes_drop(k.schema.iter().map(|s| Obj::Schema(s.clone())));
    }
}
