//! SQL for objects of a model: `CREATE TABLE`, column specs, constraints, policies, comments,
//! privileges, and the generic create/drop of an object by identity that recreations use.

use std::collections::{BTreeMap, BTreeSet};

use super::Side;
use crate::schema::introspect::default_grants;
use crate::schema::model::*;

/// A `CREATE TABLE` statement, rendered once the order decided which parts go inside it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableSql {
    pub table: QName,
    pub side: Side,
    pub def: Table,
    /// Column → default expression written in the column's line.
    pub defaults: BTreeMap<String, String>,
    /// (name, definition) written after the columns.
    pub constraints: Vec<(String, String)>,
    /// Statements that follow it (comments, privileges, column attributes).
    pub after: Vec<String>,
}

impl TableSql {
    pub fn new(q: &QName, t: &Table, side: Side) -> TableSql {
        TableSql {
            table: q.clone(),
            side,
            def: t.clone(),
            defaults: BTreeMap::new(),
            constraints: Vec::new(),
            after: Vec::new(),
        }
    }

    pub fn render(&self) -> String {
        let t = &self.def;
        let mut items: Vec<String> = Vec::new();
        if t.partition_of.is_none() {
            for c in &t.columns {
                let mut spec = column_spec(c);
                if let Some(d) = self.defaults.get(&c.name) {
                    spec.push_str(&format!(" DEFAULT {d}"));
                }
                if c.not_null {
                    spec.push_str(" NOT NULL");
                }
                items.push(spec);
            }
        }
        if t.partition_of.is_some() {
            // A partition's columns come from its parent; its own defaults are options.
            for c in &t.columns {
                if let Some(d) = self.defaults.get(&c.name) {
                    items.push(format!("{} WITH OPTIONS DEFAULT {d}", ident(&c.name)));
                }
            }
        }
        for (name, def) in &self.constraints {
            items.push(format!("CONSTRAINT {} {def}", ident(name)));
        }
        let unlogged = if t.unlogged { "UNLOGGED " } else { "" };
        let mut sql = format!("CREATE {unlogged}TABLE {}", self.table.sql());
        if let Some(p) = &t.partition_of {
            sql.push_str(&format!(" PARTITION OF {}", p.parent.sql()));
        }
        if !items.is_empty() {
            let lines: Vec<String> = items.iter().map(|i| format!("    {i}")).collect();
            sql.push_str(&format!(" (\n{}\n)", lines.join(",\n")));
        } else if t.partition_of.is_none() {
            sql.push_str(" ()");
        }
        if let Some(p) = &t.partition_of {
            sql.push_str(&format!(" {}", p.bound));
        }
        if let Some(by) = &t.partition_by {
            sql.push_str(&format!(" PARTITION BY {by}"));
        }
        let options: Vec<&String> = t
            .options
            .iter()
            .filter(|o| !o.starts_with("toast."))
            .collect();
        let toast: Vec<&String> = t
            .options
            .iter()
            .filter(|o| o.starts_with("toast."))
            .collect();
        if !options.is_empty() || !toast.is_empty() {
            let all: Vec<String> = options
                .iter()
                .chain(toast.iter())
                .map(|o| o.to_string())
                .collect();
            sql.push_str(&format!(" WITH ({})", all.join(", ")));
        }
        sql.push(';');
        for a in &self.after {
            sql.push('\n');
            sql.push_str(a);
        }
        sql
    }
}

/// `name type [COMPRESSION] [COLLATE] [GENERATED … | identity]` — no default and no NOT NULL
/// (the table statement adds them).
pub(crate) fn column_spec(c: &Column) -> String {
    let mut s = format!("{} {}", ident(&c.name), c.type_sql);
    if let Some(comp) = &c.compression {
        s.push_str(&format!(" COMPRESSION {comp}"));
    }
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {}", coll.sql()));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
    }
    if c.identity.is_some() {
        s.push_str(&identity_clause(c));
    }
    s
}

/// A full column for `ADD COLUMN`: spec, default and NOT NULL.
pub(crate) fn column_full(c: &Column) -> String {
    let mut s = column_spec(c);
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
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

/// The identity sequence's start (from its options).
pub(crate) fn identity_start(c: &Column) -> i64 {
    c.identity_options
        .iter()
        .flatten()
        .find_map(|o| o.strip_prefix("START WITH ")?.parse().ok())
        .unwrap_or(1)
}

pub(crate) fn add_constraint(q: &QName, name: &str, def: &str) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {def};",
        q.sql(),
        ident(name)
    )
}

pub(crate) fn drop_constraint(q: &QName, name: &str) -> String {
    format!("ALTER TABLE {} DROP CONSTRAINT {};", q.sql(), ident(name))
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

/// `ALTER TABLE … ENABLE|DISABLE … TRIGGER name` for a non-default state.
pub(crate) fn trigger_state(q: &QName, name: &str, state: char) -> String {
    let verb = match state {
        'D' => "DISABLE TRIGGER",
        'R' => "ENABLE REPLICA TRIGGER",
        'A' => "ENABLE ALWAYS TRIGGER",
        _ => "ENABLE TRIGGER",
    };
    format!("ALTER TABLE {} {verb} {};", q.sql(), ident(name))
}

pub(crate) fn create_trigger(q: &QName, name: &str, t: &Trigger) -> String {
    let mut s = format!("{};", t.definition);
    if t.enabled != 'O' {
        s.push('\n');
        s.push_str(&trigger_state(q, name, t.enabled));
    }
    s
}

/// What follows `COMMENT ON` / `GRANT … ON` for an object, when it can carry one.
pub(crate) fn target(s: &Schema, o: &Obj) -> Option<String> {
    Some(match o {
        Obj::Schema(n) => format!("SCHEMA {}", ident(n)),
        Obj::Extension(n) => format!("EXTENSION {}", ident(n)),
        Obj::Type(q) => match s.types.get(q) {
            Some(TypeDef::Domain(_)) => format!("DOMAIN {}", q.sql()),
            _ => format!("TYPE {}", q.sql()),
        },
        Obj::Collation(q) => format!("COLLATION {}", q.sql()),
        Obj::Function(k) => {
            let f = s.functions.get(k)?;
            format!("{} {}", f.kind, f.signature)
        }
        Obj::Sequence(q) => format!("SEQUENCE {}", q.sql()),
        Obj::Table(q) => format!("TABLE {}", q.sql()),
        Obj::Column(t, c) => format!("COLUMN {}.{}", t.sql(), ident(c)),
        Obj::Constraint(t, n) => format!("CONSTRAINT {} ON {}", ident(n), t.sql()),
        Obj::Index(q) => format!("INDEX {}", q.sql()),
        Obj::View(q) => match s.views.get(q) {
            Some(v) if v.materialized => format!("MATERIALIZED VIEW {}", q.sql()),
            _ => format!("VIEW {}", q.sql()),
        },
        Obj::Trigger(t, n) => format!("TRIGGER {} ON {}", ident(n), t.sql()),
        Obj::Policy(t, n) => format!("POLICY {} ON {}", ident(n), t.sql()),
        Obj::Statistics(q) => format!("STATISTICS {}", q.sql()),
        Obj::Default(..) | Obj::SeqOwner(_) | Obj::Partition(_) | Obj::Opaque(_) => return None,
    })
}

/// `COMMENT ON … IS …;` (NULL removes it).
pub(crate) fn comment(s: &Schema, o: &Obj, text: Option<&String>) -> Option<String> {
    let t = target(s, o)?;
    Some(format!(
        "COMMENT ON {t} IS {};",
        text.map_or("NULL".to_string(), |c| literal(c))
    ))
}

/// The `GRANT … ON …` object for privileges (tables, views and sequences are `TABLE`/
/// `SEQUENCE`; aggregates are granted as functions; columns as `(col) ON TABLE`).
fn grant_target(s: &Schema, o: &Obj) -> Option<(String, String)> {
    Some(match o {
        Obj::Column(t, c) => (format!("({})", ident(c)), format!("TABLE {}", t.sql())),
        Obj::View(q) => (String::new(), format!("TABLE {}", q.sql())),
        Obj::Function(k) => {
            let f = s.functions.get(k)?;
            let kind = if f.kind == "PROCEDURE" {
                "PROCEDURE"
            } else {
                "FUNCTION"
            };
            (String::new(), format!("{kind} {}", f.signature))
        }
        _ => (String::new(), target(s, o)?),
    })
}

fn role(r: &str) -> String {
    if r == "PUBLIC" {
        r.to_string()
    } else {
        ident(r)
    }
}

/// GRANT/REVOKE statements that take `o`'s privileges from `from` to `to` (each a set of
/// grants; `s` is the side that names the object).
pub(crate) fn privileges(
    s: &Schema,
    o: &Obj,
    from: &BTreeSet<Grant>,
    to: &BTreeSet<Grant>,
) -> Vec<String> {
    let Some((cols, on)) = grant_target(s, o) else {
        return Vec::new();
    };
    grant_statements("", &cols, &on, from, to)
}

/// `{prefix}GRANT|REVOKE privilege{cols} ON {on} …` statements from `from` to `to`.
pub(crate) fn grant_statements(
    prefix: &str,
    cols: &str,
    on: &str,
    from: &BTreeSet<Grant>,
    to: &BTreeSet<Grant>,
) -> Vec<String> {
    let mut out = Vec::new();
    for g in from.difference(to) {
        let still = to
            .iter()
            .any(|n| n.grantee == g.grantee && n.privilege == g.privilege);
        if still && !g.grantable {
            continue; // upgraded by the GRANT … WITH GRANT OPTION below
        }
        let option = if still { "GRANT OPTION FOR " } else { "" };
        out.push(format!(
            "{prefix}REVOKE {option}{}{cols} ON {on} FROM {};",
            g.privilege,
            role(&g.grantee)
        ));
    }
    for g in to.difference(from) {
        let had = from
            .iter()
            .any(|n| n.grantee == g.grantee && n.privilege == g.privilege);
        if had && !g.grantable {
            continue; // handled by the REVOKE GRANT OPTION above
        }
        out.push(format!(
            "{prefix}GRANT {}{cols} ON {on} TO {}{};",
            g.privilege,
            role(&g.grantee),
            if g.grantable {
                " WITH GRANT OPTION"
            } else {
                ""
            }
        ));
    }
    out
}

/// The privileges of `o` on side `s` (the kind's default when none were recorded).
pub(crate) fn grants_of(s: &Schema, o: &Obj) -> BTreeSet<Grant> {
    s.privileges
        .get(o)
        .cloned()
        .unwrap_or_else(|| default_grants(o))
}

/// Comment and privilege statements that follow the creation of `o` on side `s`.
pub(crate) fn decorations(s: &Schema, o: &Obj) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(c) = s.comments.get(o) {
        out.extend(comment(s, o, Some(c)));
    }
    out.extend(privileges(s, o, &default_grants(o), &grants_of(s, o)));
    out
}

/// `sql` followed by `o`'s decorations, one statement per line.
pub(crate) fn decorated(s: &Schema, o: &Obj, sql: String) -> String {
    let mut lines = vec![sql];
    lines.extend(decorations(s, o));
    lines.join("\n")
}
