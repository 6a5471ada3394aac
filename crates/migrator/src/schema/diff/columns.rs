//! Columns of a table that exists on both sides: added, dropped, and altered in place (type,
//! collation, default, NOT NULL, identity, generated expression, statistics, storage,
//! compression). Drops use the current names (they run before renames), everything else the
//! desired ones.

use super::cascade::{Disturb, Kinds};
use super::render::{identity_clause, identity_options_differ, identity_start};
use super::tables::{Changes, add_column, column_attributes};
use super::{Ops, Phase};
use crate::schema::SchemaError;
use crate::schema::lint::{Hazard, is_narrowing};
use crate::schema::model::*;

/// Columns of a kept table (`cq` current name, `nq` desired name).
pub(crate) fn columns(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    cq: &QName,
    nq: &QName,
    ch: &mut Changes,
) -> Result<(), SchemaError> {
    let (ct, nt) = (&cur.tables[cq], &des.tables[nq]);
    if let (Some(pc), Some(pn)) = (&ct.partition_of, &nt.partition_of) {
        return partition_columns(ops, cur, des, (cq, nq), (&pc.parent, &pn.parent), ch);
    }
    for c in &ct.columns {
        let (_, name) = ch.current_to_desired(cq, &c.name);
        match nt.column(&name) {
            None => {
                ch.dropped_columns.insert((cq.clone(), c.name.clone()));
                drop_column(ops, cur, cq, c).hazard(Hazard::Destructive(format!(
                    "drops column {nq}.{} and its data",
                    c.name
                )));
            }
            Some(n) => alter(ops, cur, des, (cq, nq), c, n, ch)?,
        }
    }
    let current_names: Vec<String> = ct
        .columns
        .iter()
        .map(|c| ch.current_to_desired(cq, &c.name).1)
        .collect();
    for n in &nt.columns {
        if current_names.contains(&n.name) {
            continue;
        }
        ch.created_columns.insert((nq.clone(), n.name.clone()));
        let op = add(ops, des, nq, n);
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
    }
    Ok(())
}

/// Columns of a table that is a partition on both sides: they come and go with the parent's,
/// and `ALTER TABLE` on the parent reaches them, so each is compared with what the parent's
/// changes leave it with, after them.
fn partition_columns(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    (cq, nq): (&QName, &QName),
    (cp, np): (&QName, &QName),
    ch: &mut Changes,
) -> Result<(), SchemaError> {
    let (ct, nt) = (&cur.tables[cq], &des.tables[nq]);
    for c in &ct.columns {
        let (_, name) = ch.current_to_desired(cq, &c.name);
        let Some(n) = nt.column(&name) else { continue };
        let mut o = c.clone();
        let parent_cols = cur
            .tables
            .get(cp)
            .and_then(|t| t.column(&c.name))
            .zip(des.tables.get(np).and_then(|t| t.column(&name)));
        if let Some((pc, pn)) = parent_cols {
            if pc.default != pn.default {
                o.default = pn.default.clone();
            }
            if pc.not_null != pn.not_null {
                o.not_null = pn.not_null;
            }
            if pc.type_sql != pn.type_sql || pc.collation != pn.collation {
                o.type_sql = n.type_sql.clone();
                o.collation = n.collation.clone();
            }
            if pc.statistics != pn.statistics {
                o.statistics = pn.statistics;
            }
            if pc.storage != pn.storage {
                o.storage = pn.storage.clone();
            }
            if pc.compression != pn.compression {
                o.compression = pn.compression.clone();
            }
        }
        let from = ops.len();
        alter(ops, cur, des, (cq, nq), &o, n, ch)?;
        let after_parent = [
            Obj::Column(np.clone(), name.clone()),
            Obj::Default(np.clone(), name.clone()),
        ];
        for op in ops.since(from) {
            op.needs(after_parent.clone());
        }
    }
    Ok(())
}

/// `DROP COLUMN` (current names); down adds it back with everything it had.
fn drop_column<'o>(ops: &'o mut Ops, cur: &Schema, cq: &QName, c: &Column) -> &'o mut super::Op {
    let mut drops = vec![Obj::Column(cq.clone(), c.name.clone())];
    if c.default.is_some() {
        drops.push(Obj::Default(cq.clone(), c.name.clone()));
    }
    ops.push(
        Phase::DropColumn,
        format!("column {cq}.{}", c.name),
        Some(format!(
            "ALTER TABLE {} DROP COLUMN {};",
            cq.sql(),
            ident(&c.name)
        )),
        Some(add_column(cur, cq, c)),
    )
    .drops(drops)
}

/// `ADD COLUMN` (desired names); down drops it.
fn add<'o>(ops: &'o mut Ops, des: &Schema, nq: &QName, n: &Column) -> &'o mut super::Op {
    let mut creates = vec![Obj::Column(nq.clone(), n.name.clone())];
    if n.default.is_some() {
        creates.push(Obj::Default(nq.clone(), n.name.clone()));
    }
    ops.push(
        Phase::AlterColumn,
        format!("column {nq}.{}", n.name),
        Some(add_column(des, nq, n)),
        Some(format!(
            "ALTER TABLE {} DROP COLUMN {};",
            nq.sql(),
            ident(&n.name)
        )),
    )
    .creates(creates)
}

/// `SELECT setval(…)` so that the identity or sequence of `table.col` continues after the
/// values already in the table (computed when the migration runs).
pub(crate) fn setval(table: &QName, col: &str, sequence: Option<&QName>, c: &Column) -> String {
    let seq = match sequence {
        Some(s) => literal(&s.sql()),
        None => format!(
            "pg_get_serial_sequence({}, {})",
            literal(&table.sql()),
            literal(col)
        ),
    };
    let increment_down = c
        .identity_options
        .iter()
        .flatten()
        .any(|o| o.starts_with("INCREMENT BY -"));
    let start = identity_start(c);
    let next = if increment_down {
        format!("least(coalesce(min({}) - 1, {start}), {start})", ident(col))
    } else {
        format!(
            "greatest(coalesce(max({}) + 1, {start}), {start})",
            ident(col)
        )
    };
    format!("SELECT setval({seq}, {next}, false) FROM {};", table.sql())
}

/// The sequence a `nextval('…'::regclass)` default reads, if any.
pub(crate) fn nextval_sequence(default: &str) -> Option<QName> {
    let rest = default.strip_prefix("nextval('")?;
    let name = &rest[..rest.find("'::regclass)")?];
    let name = name.replace("''", "'");
    let (schema, table) = split_qualified(&name)?;
    Some(QName::new(&schema, &table))
}

/// `schema.name` as written by PostgreSQL (each part maybe double-quoted).
fn split_qualified(s: &str) -> Option<(String, String)> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    match parts.as_slice() {
        [s, n] => Some((s.clone(), n.clone())),
        [n] => Some(("public".into(), n.clone())),
        _ => None,
    }
}

/// ALTER COLUMN steps from `o` to `n`; each its own operation so that down undoes them in
/// reverse (identity, default, type, default, NOT NULL, identity).
fn alter(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    (cq, nq): (&QName, &QName),
    o: &Column,
    n: &Column,
    ch: &mut Changes,
) -> Result<(), SchemaError> {
    if o.generated != n.generated {
        return regenerate(ops, cur, des, (cq, nq), o, n, ch);
    }
    let col = format!("ALTER TABLE {} ALTER COLUMN {}", nq.sql(), ident(&n.name));
    let old_col = format!("ALTER TABLE {} ALTER COLUMN {}", cq.sql(), ident(&o.name));
    let key = format!("column {nq}.{}", n.name);
    let this = Obj::Column(nq.clone(), n.name.clone());
    let identity = |c: &Column| match c.identity {
        Some('a') => "ALWAYS",
        _ => "BY DEFAULT",
    };
    let retype = o.type_sql != n.type_sql || o.collation != n.collation;
    if o.identity.is_some() && n.identity.is_none() {
        let mut down = format!("{col} ADD{};", identity_clause(o));
        down.push('\n');
        down.push_str(&setval(nq, &n.name, None, o));
        ops.push(
            Phase::AlterColumn,
            key.clone(),
            Some(format!("{col} DROP IDENTITY;")),
            Some(down),
        )
        .needs([this.clone()]);
    }
    let default_changes = o.default != n.default;
    if o.default.is_some() && (default_changes || retype) {
        // Early: the old default may use a sequence or function dropped later in the plan.
        ops.push(
            Phase::DropDefault,
            format!("default {cq}.{}", o.name),
            Some(format!("{old_col} DROP DEFAULT;")),
            o.default
                .as_ref()
                .map(|d| format!("{old_col} SET DEFAULT {d};")),
        )
        .drops([Obj::Default(cq.clone(), o.name.clone())]);
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
        let op = ops
            .push(
                Phase::AlterColumn,
                key.clone(),
                Some(spec(n)),
                Some(spec(o)),
            )
            .creates([this.clone()])
            .alters([Obj::Column(cq.clone(), o.name.clone())]);
        op.disturb(Disturb::both(
            Obj::Column(cq.clone(), o.name.clone()),
            Kinds::Retype,
        ));
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
        let mut up = format!("{col} SET DEFAULT {d};");
        let new_sequence = nextval_sequence(d)
            .filter(|s| des.sequences.contains_key(s) && !cur.sequences.contains_key(s));
        if let Some(seq) = &new_sequence {
            up.push('\n');
            up.push_str(&setval(nq, &n.name, Some(seq), n));
        }
        let op = ops
            .push(
                Phase::AlterColumn,
                key.clone(),
                Some(up),
                Some(format!("{col} DROP DEFAULT;")),
            )
            .creates([Obj::Default(nq.clone(), n.name.clone())]);
        if let Some(seq) = new_sequence {
            op.hazard(Hazard::DataDependent(format!(
                "new sequence {seq} for existing column {nq}.{}: the migration moves it past the values already there (setval)",
                n.name
            )));
        }
    }
    if o.not_null != n.not_null && !(n.identity.is_some() && o.identity.is_none()) {
        let (set, drop) = (
            format!("{col} SET NOT NULL;"),
            format!("{col} DROP NOT NULL;"),
        );
        if n.not_null {
            ops.push(Phase::AlterColumn, key.clone(), Some(set), Some(drop))
                .needs([this.clone()])
                .hazard(Hazard::DataDependent(format!(
                    "SET NOT NULL on {nq}.{}: fails if existing rows hold NULL, and scans the table",
                    n.name
                )));
        } else {
            ops.push(Phase::AlterColumn, key.clone(), Some(drop), Some(set))
                .needs([this.clone()]);
        }
    }
    if n.identity.is_some() {
        alter_identity(ops, (&col, &key, nq), o, n, identity);
    }
    let attrs_up = column_attributes(nq, o, n, true);
    if !attrs_up.is_empty() {
        let attrs_down = column_attributes(nq, n, o, true);
        ops.push(
            Phase::AlterColumn,
            format!("{key} attributes"),
            Some(attrs_up.join("\n")),
            Some(attrs_down.join("\n")),
        )
        .needs([this]);
    }
    Ok(())
}

fn alter_identity(
    ops: &mut Ops,
    (col, key, nq): (&str, &str, &QName),
    o: &Column,
    n: &Column,
    identity: impl Fn(&Column) -> &'static str,
) {
    let this = Obj::Column(nq.clone(), n.name.clone());
    if o.identity.is_none() {
        // ADD IDENTITY needs NOT NULL first; down drops the identity, then NOT NULL.
        if !o.not_null {
            ops.push(
                Phase::AlterColumn,
                key.to_string(),
                Some(format!("{col} SET NOT NULL;")),
                Some(format!("{col} DROP NOT NULL;")),
            )
            .needs([this.clone()]);
        }
        let up = format!(
            "{col} ADD{};\n{}",
            identity_clause(n),
            setval(nq, &n.name, None, n)
        );
        ops.push(
            Phase::AlterColumn,
            key.to_string(),
            Some(up),
            Some(format!("{col} DROP IDENTITY;")),
        )
        .needs([this])
        .hazard(Hazard::DataDependent(format!(
            "identity on existing column {nq}.{}: the migration moves its sequence past the values already there (setval)",
            n.name
        )));
        return;
    }
    if o.identity != n.identity {
        ops.push(
            Phase::AlterColumn,
            key.to_string(),
            Some(format!("{col} SET GENERATED {};", identity(n))),
            Some(format!("{col} SET GENERATED {};", identity(o))),
        )
        .needs([this.clone()]);
    }
    if identity_options_differ(o, n) {
        let set = |c: &Column| {
            let opts = c.identity_options.clone().unwrap_or_default();
            let sets: Vec<String> = opts.iter().map(|p| format!("SET {p}")).collect();
            format!("{col} {};", sets.join(" "))
        };
        ops.push(
            Phase::AlterColumn,
            key.to_string(),
            Some(set(n)),
            Some(set(o)),
        )
        .needs([this]);
    }
}

/// A column whose generated expression changes, or that becomes (or stops being) generated:
/// `DROP EXPRESSION` keeps the values when it stops; otherwise the column is dropped and added
/// again (its values are computed anew), with everything on it recreated around that.
fn regenerate(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    (cq, nq): (&QName, &QName),
    o: &Column,
    n: &Column,
    ch: &mut Changes,
) -> Result<(), SchemaError> {
    let same_otherwise = o.type_sql == n.type_sql && o.collation == n.collation;
    if o.generated.is_some() && n.generated.is_none() && same_otherwise && n.default.is_none() {
        let col = format!("ALTER TABLE {} ALTER COLUMN {}", nq.sql(), ident(&n.name));
        let this = Obj::Column(nq.clone(), n.name.clone());
        // Down makes it generated again: a drop and add, so what is on it is rebuilt in down.
        let down = format!(
            "ALTER TABLE {} DROP COLUMN {};\n{}",
            nq.sql(),
            ident(&n.name),
            add_column(cur, nq, o)
        );
        ops.push(
            Phase::AlterColumn,
            format!("column {nq}.{}", n.name),
            Some(format!("{col} DROP EXPRESSION;")),
            Some(down),
        )
        .needs([this])
        .disturb(Disturb::down(
            Obj::Column(cq.clone(), o.name.clone()),
            Kinds::All,
        ));
        if o.not_null != n.not_null {
            let (set, drop) = (
                format!("{col} SET NOT NULL;"),
                format!("{col} DROP NOT NULL;"),
            );
            let (up, down) = if n.not_null { (set, drop) } else { (drop, set) };
            ops.push(
                Phase::AlterColumn,
                format!("column {nq}.{}", n.name),
                Some(up),
                Some(down),
            );
        }
        return Ok(());
    }
    ch.dropped_columns.insert((cq.clone(), o.name.clone()));
    ch.created_columns.insert((nq.clone(), n.name.clone()));
    let hazard = if o.generated.is_none() {
        Hazard::Destructive(format!(
            "{nq}.{} becomes generated: its stored values are replaced by the expression",
            n.name
        ))
    } else {
        Hazard::Locking(format!(
            "the generated column {nq}.{} is dropped and added again (rewrites the table)",
            n.name
        ))
    };
    drop_column(ops, cur, cq, o).hazard(hazard);
    add(ops, des, nq, n);
    Ok(())
}
