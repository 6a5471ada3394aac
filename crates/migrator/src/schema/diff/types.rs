//! User-defined types and collations: enums (labels added in place; removed or reordered by
//! swapping in a new type, with every dependent recreated around it), domains (constraints,
//! default and NOT NULL in place), composite types (attributes in place while no table column
//! uses the type), range types; a type changed beyond that is dropped and created again, which
//! the cascade refuses while a column holds data of it.

use std::collections::BTreeMap;

use super::cascade::{Disturb, Kinds};
use super::render;
use super::tables::Changes;
use super::{Ops, Phase};
use crate::schema::SchemaError;
use crate::schema::lint::Hazard;
use crate::schema::model::*;

pub(crate) fn collations(ops: &mut Ops, cur: &Schema, des: &Schema) {
    let create = |s: &Schema, q: &QName, c: &Collation| {
        render::decorated(
            s,
            &Obj::Collation(q.clone()),
            format!("CREATE COLLATION {} {};", q.sql(), c.definition),
        )
    };
    let drop = |q: &QName| format!("DROP COLLATION {};", q.sql());
    for (q, c) in &cur.collations {
        let obj = Obj::Collation(q.clone());
        match des.collations.get(q) {
            Some(n) if n == c => {}
            other => {
                ops.push(
                    Phase::DropCollation,
                    format!("collation {q}"),
                    Some(drop(q)),
                    Some(create(cur, q, c)),
                )
                .drops([obj.clone()]);
                if let Some(n) = other {
                    ops.push(
                        Phase::CreateCollation,
                        format!("collation {q}"),
                        Some(create(des, q, n)),
                        Some(drop(q)),
                    )
                    .creates([obj]);
                }
            }
        }
    }
    for (q, c) in &des.collations {
        if !cur.collations.contains_key(q) {
            ops.push(
                Phase::CreateCollation,
                format!("collation {q}"),
                Some(create(des, q, c)),
                Some(drop(q)),
            )
            .creates([Obj::Collation(q.clone())]);
        }
    }
}

fn labels_sql(labels: &[String]) -> String {
    let l: Vec<String> = labels.iter().map(|l| literal(l)).collect();
    l.join(", ")
}

fn coll(c: &Option<QName>) -> String {
    c.as_ref()
        .map(|q| format!(" COLLATE {}", q.sql()))
        .unwrap_or_default()
}

/// `CREATE TYPE …` / `CREATE DOMAIN …` for a type definition.
pub(crate) fn create_type_sql(q: &QName, t: &TypeDef) -> String {
    match t {
        TypeDef::Enum(labels) => {
            format!("CREATE TYPE {} AS ENUM ({});", q.sql(), labels_sql(labels))
        }
        TypeDef::Domain(d) => {
            let mut s = format!(
                "CREATE DOMAIN {} AS {}{}",
                q.sql(),
                d.base,
                coll(&d.collation)
            );
            if let Some(def) = &d.default {
                s.push_str(&format!(" DEFAULT {def}"));
            }
            if d.not_null {
                s.push_str(" NOT NULL");
            }
            for (n, c) in &d.constraints {
                s.push_str(&format!("\n    CONSTRAINT {} {c}", ident(n)));
            }
            s.push(';');
            s
        }
        TypeDef::Composite(attrs) => {
            let a: Vec<String> = attrs
                .iter()
                .map(|a| {
                    format!(
                        "    {} {}{}",
                        ident(&a.name),
                        a.type_sql,
                        coll(&a.collation)
                    )
                })
                .collect();
            if a.is_empty() {
                format!("CREATE TYPE {} AS ();", q.sql())
            } else {
                format!("CREATE TYPE {} AS (\n{}\n);", q.sql(), a.join(",\n"))
            }
        }
        TypeDef::Range(r) => {
            let mut o = vec![format!("SUBTYPE = {}", r.subtype)];
            if let Some(x) = &r.opclass {
                o.push(format!("SUBTYPE_OPCLASS = {x}"));
            }
            if let Some(x) = &r.collation {
                o.push(format!("COLLATION = {}", x.sql()));
            }
            if let Some(x) = &r.canonical {
                o.push(format!("CANONICAL = {x}"));
            }
            if let Some(x) = &r.subtype_diff {
                o.push(format!("SUBTYPE_DIFF = {x}"));
            }
            if let Some(x) = &r.multirange {
                o.push(format!("MULTIRANGE_TYPE_NAME = {}", x.sql()));
            }
            format!("CREATE TYPE {} AS RANGE ({});", q.sql(), o.join(", "))
        }
    }
}

fn drop_type_sql(q: &QName, t: &TypeDef) -> String {
    match t {
        TypeDef::Domain(_) => format!("DROP DOMAIN {};", q.sql()),
        _ => format!("DROP TYPE {};", q.sql()),
    }
}

pub(crate) fn types(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    ch: &Changes,
) -> Result<(), SchemaError> {
    for (q, t) in &cur.types {
        let obj = Obj::Type(q.clone());
        let Some(n) = des.types.get(q) else {
            ops.push(
                Phase::DropType,
                format!("type {q}"),
                Some(drop_type_sql(q, t)),
                Some(render::decorated(cur, &obj, create_type_sql(q, t))),
            )
            .drops([obj])
            .hazard(Hazard::Destructive(format!("drops {} {q}", t.kind())));
            continue;
        };
        if n == t {
            continue;
        }
        match (t, n) {
            (TypeDef::Enum(old), TypeDef::Enum(new)) => enum_change(ops, cur, des, ch, q, old, new),
            (TypeDef::Domain(old), TypeDef::Domain(new))
                if old.base == new.base && old.collation == new.collation =>
            {
                domain_change(ops, q, old, new)
            }
            (TypeDef::Composite(old), TypeDef::Composite(new)) => {
                composite_change(ops, cur, des, q, old, new)?
            }
            _ => recreate_type(ops, cur, des, q, t, n),
        }
    }
    for (q, t) in &des.types {
        if !cur.types.contains_key(q) {
            let obj = Obj::Type(q.clone());
            ops.push(
                Phase::CreateType,
                format!("type {q}"),
                Some(render::decorated(des, &obj, create_type_sql(q, t))),
                Some(drop_type_sql(q, t)),
            )
            .creates([obj]);
        }
    }
    Ok(())
}

/// Drop and create again (what depends on it is recreated, or refused when it holds data).
fn recreate_type(ops: &mut Ops, cur: &Schema, des: &Schema, q: &QName, t: &TypeDef, n: &TypeDef) {
    let obj = Obj::Type(q.clone());
    ops.push(
        Phase::DropType,
        format!("type {q}"),
        Some(drop_type_sql(q, t)),
        Some(render::decorated(cur, &obj, create_type_sql(q, t))),
    )
    .drops([obj.clone()]);
    ops.push(
        Phase::CreateType,
        format!("type {q}"),
        Some(render::decorated(des, &obj, create_type_sql(q, n))),
        Some(drop_type_sql(q, n)),
    )
    .creates([obj]);
}

/// Columns of kept tables whose type is the enum `q` or an array of it (current names),
/// partitions left out (their parent's conversion reaches them).
fn enum_columns<'a>(s: &'a Schema, ch: &Changes, q: &QName) -> Vec<(&'a QName, &'a Column)> {
    let names = [q.sql(), format!("{}.{}", q.schema, q.name)];
    let mut out = Vec::new();
    for (t, table) in &s.tables {
        if table.partition_of.is_some() {
            continue;
        }
        for c in &table.columns {
            let base = c.type_sql.trim_end_matches("[]");
            if names.iter().any(|n| n == base) && !ch.column_dropped(t, &c.name) {
                out.push((t, c));
            }
        }
    }
    out
}

/// SQL that replaces enum `q` by a new one with `labels`, converting `columns` (names as they
/// are when it runs), with the type's comment and privileges from `s`.
fn enum_swap(
    s: &Schema,
    q: &QName,
    labels: &[String],
    columns: &[(QName, String, bool)],
) -> String {
    let old = QName::new(&q.schema, &format!("{}__admin_old", q.name));
    let mut out = vec![
        format!("ALTER TYPE {} RENAME TO {};", q.sql(), ident(&old.name)),
        render::decorated(
            s,
            &Obj::Type(q.clone()),
            create_type_sql(q, &TypeDef::Enum(labels.to_vec())),
        ),
    ];
    for (t, col, array) in columns {
        let a = if *array { "[]" } else { "" };
        let c = ident(col);
        out.push(format!(
            "ALTER TABLE {} ALTER COLUMN {c} TYPE {}{a} USING {c}::text{a}::{}{a};",
            t.sql(),
            q.sql(),
            q.sql()
        ));
    }
    out.push(format!("DROP TYPE {};", old.sql()));
    out.join("\n")
}

/// `ALTER TYPE … ADD VALUE` statements that turn `from` into `to`, when `to` only adds labels
/// (keeping the order of `from`).
fn add_values(q: &QName, from: &[String], to: &[String]) -> Option<Vec<String>> {
    let kept: Vec<&String> = to.iter().filter(|l| from.contains(l)).collect();
    if kept.len() != from.len() || kept.iter().zip(from).any(|(a, b)| *a != b) {
        return None;
    }
    let mut out = Vec::new();
    for (i, l) in to.iter().enumerate() {
        if from.contains(l) {
            continue;
        }
        let place = match to[..i].last() {
            Some(prev) => format!(" AFTER {}", literal(prev)),
            None => format!(" BEFORE {}", literal(to.get(1)?)),
        };
        out.push(format!(
            "ALTER TYPE {} ADD VALUE {}{place};",
            q.sql(),
            literal(l)
        ));
    }
    Some(out)
}

fn enum_change(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    ch: &Changes,
    q: &QName,
    old: &[String],
    new: &[String],
) {
    let obj = Obj::Type(q.clone());
    let cols = enum_columns(cur, ch, q);
    let converted: Vec<(QName, String, bool)> = cols
        .iter()
        .map(|(t, c)| {
            let (nt, nc) = ch.current_to_desired(t, &c.name);
            (nt, nc, c.type_sql.ends_with("[]"))
        })
        .collect();
    let forward = add_values(q, old, new);
    let backward = add_values(q, new, old);
    let up = match &forward {
        Some(stmts) => stmts.join("\n"),
        None => enum_swap(des, q, new, &converted),
    };
    let down = match &backward {
        Some(stmts) => stmts.join("\n"),
        None => enum_swap(cur, q, old, &converted),
    };
    let (swap_up, swap_down) = (forward.is_none(), backward.is_none());
    let op = ops
        .push(Phase::CreateType, format!("type {q}"), Some(up), Some(down))
        .creates([obj.clone()])
        .alters([obj.clone()])
        .needs(
            converted
                .iter()
                .map(|(t, c, _)| Obj::Column(t.clone(), c.clone())),
        );
    if swap_up || swap_down {
        let disturb = |o: Obj, k: Kinds| Disturb {
            obj: o,
            kinds: k,
            up: swap_up,
            down: swap_down,
        };
        op.disturb(disturb(obj.clone(), Kinds::NotColumns));
        for (t, c) in &cols {
            op.disturb(disturb(
                Obj::Column((*t).clone(), c.name.clone()),
                Kinds::Retype,
            ));
        }
    }
    if swap_up && !cols.is_empty() {
        op.hazard(Hazard::DataDependent(format!(
            "enum {q} loses or reorders labels ({} → {}): converting its columns fails if rows hold a removed label",
            old.join(", "),
            new.join(", ")
        )));
    }
}

fn domain_change(ops: &mut Ops, q: &QName, old: &Domain, new: &Domain) {
    let alter = |what: String| format!("ALTER DOMAIN {} {what};", q.sql());
    let this = Obj::Type(q.clone());
    if old.default != new.default {
        let set = |d: &Option<String>| match d {
            Some(d) => alter(format!("SET DEFAULT {d}")),
            None => alter("DROP DEFAULT".into()),
        };
        ops.push(
            Phase::CreateType,
            format!("domain {q}"),
            Some(set(&new.default)),
            Some(set(&old.default)),
        )
        .needs([this.clone()]);
    }
    if old.not_null != new.not_null {
        let set = |nn: bool| {
            alter(if nn {
                "SET NOT NULL".into()
            } else {
                "DROP NOT NULL".into()
            })
        };
        let op = ops
            .push(
                Phase::CreateType,
                format!("domain {q}"),
                Some(set(new.not_null)),
                Some(set(old.not_null)),
            )
            .needs([this.clone()]);
        if new.not_null {
            op.hazard(Hazard::DataDependent(format!(
                "domain {q} becomes NOT NULL: fails if a column of it holds NULL"
            )));
        }
    }
    let drop_c = |n: &str| alter(format!("DROP CONSTRAINT {}", ident(n)));
    let add_c = |n: &str, c: &str| alter(format!("ADD CONSTRAINT {} {c}", ident(n)));
    let changed: BTreeMap<&String, (Option<&String>, Option<&String>)> = old
        .constraints
        .keys()
        .chain(new.constraints.keys())
        .map(|n| (n, (old.constraints.get(n), new.constraints.get(n))))
        .filter(|(_, (a, b))| a != b)
        .collect();
    for (n, (a, b)) in changed {
        if let Some(a) = a {
            ops.push(
                Phase::DropConstraint,
                format!("domain {q} constraint {n}"),
                Some(drop_c(n)),
                Some(add_c(n, a)),
            );
        }
        if let Some(b) = b {
            ops.push(
                Phase::AddConstraint,
                format!("domain {q} constraint {n}"),
                Some(add_c(n, b)),
                Some(drop_c(n)),
            )
            .needs([this.clone()])
            .hazard(Hazard::DataDependent(format!(
                "constraint {n} of domain {q} checks every value already stored"
            )));
        }
    }
}

/// Attribute changes of a composite type: ALTER TYPE in place while no table column uses it
/// and the order allows (removed ones dropped, new ones appended); else drop and create.
fn composite_change(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    q: &QName,
    old: &[Attribute],
    new: &[Attribute],
) -> Result<(), SchemaError> {
    let obj = Obj::Type(q.clone());
    let used_by_column = cur.dependents().get(&obj).and_then(|d| {
        d.iter()
            .find(|o| matches!(o, Obj::Column(..)))
            .map(|o| (*o).clone())
    });
    if let Some(col) = used_by_column {
        return Err(SchemaError::Unsupported {
            object: format!("composite type {q}"),
            reason: format!(
                "its attributes change while {col} uses it (PostgreSQL cannot alter such a type); migrate the column by hand"
            ),
        });
    }
    // In place only when both directions keep the order: the attributes only one side has
    // come last on that side (ADD ATTRIBUTE appends).
    let in_other = |a: &Attribute, other: &[Attribute]| other.iter().any(|b| b.name == a.name);
    let kept_old: Vec<&String> = old
        .iter()
        .filter(|a| in_other(a, new))
        .map(|a| &a.name)
        .collect();
    let kept_new: Vec<&String> = new
        .iter()
        .filter(|b| in_other(b, old))
        .map(|b| &b.name)
        .collect();
    let tail_only = |side: &[Attribute], other: &[Attribute]| {
        side.iter()
            .skip_while(|a| in_other(a, other))
            .all(|a| !in_other(a, other))
    };
    if kept_old != kept_new || !tail_only(old, new) || !tail_only(new, old) {
        recreate_type(
            ops,
            cur,
            des,
            q,
            &TypeDef::Composite(old.to_vec()),
            &TypeDef::Composite(new.to_vec()),
        );
        return Ok(());
    }
    let alter = |what: String| format!("ALTER TYPE {} {what};", q.sql());
    let add = |a: &Attribute| {
        alter(format!(
            "ADD ATTRIBUTE {} {}{}",
            ident(&a.name),
            a.type_sql,
            coll(&a.collation)
        ))
    };
    let drop = |a: &Attribute| alter(format!("DROP ATTRIBUTE {}", ident(&a.name)));
    let mut up = Vec::new();
    let mut down = Vec::new();
    for a in old {
        match new.iter().find(|b| b.name == a.name) {
            None => {
                up.push(drop(a));
                down.push(add(a));
            }
            Some(b) if b != a => {
                let set = |x: &Attribute| {
                    alter(format!(
                        "ALTER ATTRIBUTE {} TYPE {}{}",
                        ident(&x.name),
                        x.type_sql,
                        coll(&x.collation)
                    ))
                };
                up.push(set(b));
                down.push(set(a));
            }
            Some(_) => {}
        }
    }
    for b in new.iter().filter(|b| !old.iter().any(|a| a.name == b.name)) {
        up.push(add(b));
        down.push(drop(b));
    }
    down.reverse();
    ops.push(
        Phase::CreateType,
        format!("type {q}"),
        Some(up.join("\n")),
        Some(down.join("\n")),
    )
    .creates([obj.clone()])
    .alters([obj.clone()])
    .disturb(Disturb::both(obj, Kinds::All));
    Ok(())
}
