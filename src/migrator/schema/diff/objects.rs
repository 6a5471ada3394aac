//! Schemas, extensions, enum types, functions, sequences and the comments on them.

use std::collections::BTreeSet;

use super::tables::Changes;
use super::{Fate, Ops, Phase, comment_ops};
use crate::migrator::schema::SchemaError;
use crate::migrator::schema::lint::Hazard;
use crate::migrator::schema::model::*;

pub(crate) fn schemas(ops: &mut Ops, cur: &Schema, des: &Schema) {
    for s in cur.schemas.difference(&des.schemas) {
        let (create, drop) = (
            format!("CREATE SCHEMA {};", ident(s)),
            format!("DROP SCHEMA {};", ident(s)),
        );
        ops.push(
            Phase::DropSchema,
            format!("schema {s}"),
            Some(drop),
            Some(create),
        )
        .hazard(Hazard::Destructive(format!("drops schema {s}")));
    }
    for s in des.schemas.difference(&cur.schemas) {
        let (create, drop) = (
            format!("CREATE SCHEMA {};", ident(s)),
            format!("DROP SCHEMA {};", ident(s)),
        );
        ops.push(
            Phase::CreateSchema,
            format!("schema {s}"),
            Some(create),
            Some(drop),
        );
    }
}

pub(crate) fn extensions(ops: &mut Ops, cur: &Schema, des: &Schema) {
    let create =
        |e: &str, s: &str| format!("CREATE EXTENSION {} WITH SCHEMA {};", ident(e), ident(s));
    let drop = |e: &str| format!("DROP EXTENSION {};", ident(e));
    for (e, s) in &cur.extensions {
        match des.extensions.get(e) {
            None => {
                ops.push(
                    Phase::DropExtension,
                    format!("extension {e}"),
                    Some(drop(e)),
                    Some(create(e, s)),
                )
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
                );
            }
            Some(_) => {}
        }
    }
    for (e, s) in &des.extensions {
        if !cur.extensions.contains_key(e) {
            ops.push(
                Phase::CreateExtension,
                format!("extension {e}"),
                Some(create(e, s)),
                Some(drop(e)),
            );
        }
    }
}

fn create_enum(q: &QName, labels: &[String]) -> String {
    let labels: Vec<String> = labels.iter().map(|l| literal(l)).collect();
    format!("CREATE TYPE {} AS ENUM ({});", q.sql(), labels.join(", "))
}

/// Columns whose type is the enum `q` (or an array of it).
fn enum_columns<'a>(s: &'a Schema, q: &QName) -> Vec<(&'a QName, &'a Column)> {
    let names = [
        q.name.clone(),
        q.sql(),
        ident(&q.name),
        format!("{}.{}", q.schema, q.name),
    ];
    let mut out = Vec::new();
    for (t, table) in &s.tables {
        for c in &table.columns {
            let base = c.type_sql.trim_end_matches("[]");
            if names.iter().any(|n| n == base) {
                out.push((t, c));
            }
        }
    }
    out
}

/// Enums: create, drop, add values (down recreates the type with the old labels and converts
/// the columns that use it). Removing or reordering labels of a used enum is refused.
pub(crate) fn enums(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    ch: &Changes,
    recreated: &mut BTreeSet<ObjectRef>,
) -> Result<(), SchemaError> {
    let drop = |q: &QName| format!("DROP TYPE {};", q.sql());
    for (q, labels) in &cur.enums {
        let Some(new) = des.enums.get(q) else {
            ops.push(
                Phase::DropType,
                format!("type {q}"),
                Some(drop(q)),
                Some(create_enum(q, labels)),
            )
            .hazard(Hazard::Destructive(format!("drops type {q}")));
            continue;
        };
        if new == labels {
            continue;
        }
        let kept_in_order: Vec<&String> = new.iter().filter(|l| labels.contains(l)).collect();
        let only_added = kept_in_order.len() == labels.len()
            && kept_in_order.iter().zip(labels).all(|(a, b)| *a == b);
        if !only_added {
            if enum_columns(cur, q).is_empty() && enum_columns(des, q).is_empty() {
                ops.push(
                    Phase::DropType,
                    format!("type {q}"),
                    Some(drop(q)),
                    Some(create_enum(q, labels)),
                );
                ops.push(
                    Phase::CreateType,
                    format!("type {q}"),
                    Some(create_enum(q, new)),
                    Some(drop(q)),
                );
                recreated.insert(ObjectRef {
                    kind: "TYPE".into(),
                    sql: q.sql(),
                });
                continue;
            }
            return Err(SchemaError::Unsupported {
                object: format!("enum type {q}"),
                reason: format!(
                    "labels are removed or reordered ({} → {}) while columns use it",
                    labels.join(", "),
                    new.join(", ")
                ),
            });
        }
        let mut up = Vec::new();
        for (i, l) in new.iter().enumerate() {
            if labels.contains(l) {
                continue;
            }
            let place = match new[..i].last() {
                Some(prev) => format!(" AFTER {}", literal(prev)),
                None => format!(" BEFORE {}", literal(&new[1])),
            };
            up.push(format!(
                "ALTER TYPE {} ADD VALUE {}{place};",
                q.sql(),
                literal(l)
            ));
        }
        ops.push(
            Phase::CreateType,
            format!("type {q}"),
            Some(up.join("\n")),
            Some(enum_swap(cur, ch, q, labels)?),
        );
    }
    for (q, labels) in &des.enums {
        if !cur.enums.contains_key(q) {
            ops.push(
                Phase::CreateType,
                format!("type {q}"),
                Some(create_enum(q, labels)),
                Some(drop(q)),
            );
        }
    }
    Ok(())
}

/// Down SQL that turns enum `q` back into one with `labels`. It runs once everything later in
/// the plan is undone: the columns using it then are the current ones that up keeps, under
/// their desired names (renames are undone after it).
fn enum_swap(
    cur: &Schema,
    ch: &Changes,
    q: &QName,
    labels: &[String],
) -> Result<String, SchemaError> {
    let old = QName::new(&q.schema, &format!("{}__admin_old", q.name));
    let mut out = vec![
        format!("ALTER TYPE {} RENAME TO {};", q.sql(), ident(&old.name)),
        create_enum(q, labels),
    ];
    for (t, c) in enum_columns(cur, q) {
        if ch.column_dropped(t, &c.name) {
            continue;
        }
        let (t, name) = ch.current_to_desired(t, &c.name);
        let t = &t;
        if c.generated.is_some() {
            return Err(SchemaError::Unsupported {
                object: format!("column {t}.{}", c.name),
                reason: "a generated column uses an enum that gains labels".into(),
            });
        }
        let array = if c.type_sql.ends_with("[]") { "[]" } else { "" };
        let col = ident(&name);
        if c.default.is_some() {
            out.push(format!(
                "ALTER TABLE {} ALTER COLUMN {col} DROP DEFAULT;",
                t.sql()
            ));
        }
        out.push(format!(
            "ALTER TABLE {} ALTER COLUMN {col} TYPE {}{array} USING {col}::text{array}::{}{array};",
            t.sql(),
            q.sql(),
            q.sql()
        ));
        if let Some(d) = &c.default {
            out.push(format!(
                "ALTER TABLE {} ALTER COLUMN {col} SET DEFAULT {d};",
                t.sql()
            ));
        }
    }
    out.push(format!("DROP TYPE {};", old.sql()));
    Ok(out.join("\n"))
}

/// Functions and procedures: new ones created, removed ones dropped, changed ones replaced
/// (or dropped and recreated when the result type changes). Returns the recreated ones.
pub(crate) fn functions(ops: &mut Ops, cur: &Schema, des: &Schema) -> BTreeSet<ObjectRef> {
    let mut recreated = BTreeSet::new();
    let create = |f: &Function| format!("{};", f.definition);
    let drop = |f: &Function| format!("DROP {} {};", f.kind, f.signature);
    for (k, f) in &cur.functions {
        match des.functions.get(k) {
            None => {
                ops.push(
                    Phase::DropFunction,
                    format!("function {k}"),
                    Some(drop(f)),
                    Some(create(f)),
                );
            }
            Some(n) if n.definition != f.definition => {
                ops.functions = true;
                if n.result == f.result && n.kind == f.kind {
                    ops.push(
                        Phase::CreateFunction,
                        format!("function {k}"),
                        Some(create(n)),
                        Some(create(f)),
                    );
                } else {
                    ops.push(
                        Phase::DropFunction,
                        format!("function {k}"),
                        Some(drop(f)),
                        Some(create(f)),
                    );
                    ops.push(
                        Phase::CreateFunction,
                        format!("function {k}"),
                        Some(create(n)),
                        Some(drop(n)),
                    );
                    recreated.insert(ObjectRef {
                        kind: f.kind.clone(),
                        sql: f.signature.clone(),
                    });
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
                Some(create(f)),
                Some(drop(f)),
            );
        }
    }
    if cur.functions.keys().any(|k| !des.functions.contains_key(k)) {
        ops.functions = true;
    }
    recreated
}

fn create_sequence(q: &QName, s: &Sequence) -> String {
    format!("CREATE SEQUENCE {} {};", q.sql(), sequence_options(s))
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

/// Sequences: create/drop/alter options, and `OWNED BY`. A sequence owned by a column goes
/// away with that column, so its drop (or the inverse of its creation) is implied then.
pub(crate) fn sequences(ops: &mut Ops, cur: &Schema, des: &Schema, ch: &Changes) {
    for (q, s) in &cur.sequences {
        let goes_with_owner = s
            .owned_by
            .as_ref()
            .is_some_and(|(t, c)| ch.column_dropped(t, c));
        match des.sequences.get(q) {
            None => {
                let up = (!goes_with_owner).then(|| format!("DROP SEQUENCE {};", q.sql()));
                ops.push(
                    Phase::DropSequence,
                    format!("sequence {q}"),
                    up,
                    Some(create_sequence(q, s)),
                );
                if s.owned_by.is_some() {
                    ops.push(
                        Phase::Forget,
                        format!("sequence {q} owner"),
                        None,
                        Some(owned_by(q, s.owned_by.as_ref())),
                    );
                }
            }
            Some(n) => {
                if sequence_options(n) != sequence_options(s) {
                    let alter = |x: &Sequence| {
                        format!("ALTER SEQUENCE {} {};", q.sql(), sequence_options(x))
                    };
                    ops.push(
                        Phase::CreateSequence,
                        format!("sequence {q}"),
                        Some(alter(n)),
                        Some(alter(s)),
                    );
                }
                let old_owner = s
                    .owned_by
                    .as_ref()
                    .map(|(t, c)| ch.current_to_desired(t, c));
                if old_owner.as_ref() != n.owned_by.as_ref() {
                    // Ownership to a column that is created (down: dropped) needs no inverse;
                    // from a column that is dropped needs no up.
                    let down = (!n
                        .owned_by
                        .as_ref()
                        .is_some_and(|(t, c)| ch.column_created(t, c)))
                    .then(|| owned_by(q, s.owned_by.as_ref()));
                    let up = if goes_with_owner {
                        None
                    } else {
                        Some(owned_by(q, n.owned_by.as_ref()))
                    };
                    if goes_with_owner {
                        ops.push(Phase::Forget, format!("sequence {q} owner"), None, down);
                        ops.push(
                            Phase::OwnSequence,
                            format!("sequence {q} owner"),
                            Some(owned_by(q, n.owned_by.as_ref())),
                            None,
                        );
                    } else {
                        ops.push(Phase::OwnSequence, format!("sequence {q} owner"), up, down);
                    }
                }
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
            Some(create_sequence(q, s)),
            down,
        );
        if s.owned_by.is_some() {
            let down = (!with_owner).then(|| owned_by(q, None));
            ops.push(
                Phase::OwnSequence,
                format!("sequence {q} owner"),
                Some(owned_by(q, s.owned_by.as_ref())),
                down,
            );
        }
    }
}

/// Every object the generic comment map can refer to.
fn refs(s: &Schema) -> BTreeSet<ObjectRef> {
    let mut out = BTreeSet::new();
    for n in &s.schemas {
        out.insert(ObjectRef {
            kind: "SCHEMA".into(),
            sql: ident(n),
        });
    }
    for q in s.enums.keys() {
        out.insert(ObjectRef {
            kind: "TYPE".into(),
            sql: q.sql(),
        });
    }
    for q in s.sequences.keys() {
        out.insert(ObjectRef {
            kind: "SEQUENCE".into(),
            sql: q.sql(),
        });
    }
    for f in s.functions.values() {
        out.insert(ObjectRef {
            kind: f.kind.clone(),
            sql: f.signature.clone(),
        });
    }
    out
}

/// Comments on schemas, types, sequences and functions.
pub(crate) fn comments(ops: &mut Ops, cur: &Schema, des: &Schema, recreated: &BTreeSet<ObjectRef>) {
    let (rc, rd) = (refs(cur), refs(des));
    let keys: BTreeSet<&ObjectRef> = cur.comments.keys().chain(des.comments.keys()).collect();
    for r in keys {
        let fate = match (rc.contains(r), rd.contains(r)) {
            (true, true) if recreated.contains(r) => Fate::Recreated,
            (true, true) => Fate::Kept,
            (true, false) => Fate::Dropped,
            (false, _) => Fate::Created,
        };
        comment_ops(
            ops,
            &format!("{} {}", r.kind, r.sql),
            fate,
            cur.comments.get(r),
            des.comments.get(r),
        );
    }
}
