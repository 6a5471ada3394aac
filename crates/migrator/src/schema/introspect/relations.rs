//! Tables (with partitioning), views, materialized views, composite types' relations, and the
//! parts of tables: columns, constraints, indexes, triggers, policies.

use std::collections::HashMap;

use super::{Ids, Query, Reads, USER_NS, described, get, granted, remember};
use crate::schema::SchemaError;
use crate::schema::model::*;

const TABLES_AND_VIEWS: &str = "tables and views";
const COLUMNS: &str = "columns";
const CONSTRAINTS: &str = "constraints";
const INDEXES: &str = "indexes";
const TRIGGERS: &str = "triggers";
const POLICIES: &str = "policies";

/// The catalog reads of this module (sent together, see [`super::fetch`]).
pub(super) fn queries() -> Vec<Query> {
    vec![
        (TABLES_AND_VIEWS, relations_sql()),
        (COLUMNS, columns_sql()),
        (CONSTRAINTS, constraints_sql()),
        (INDEXES, indexes_sql()),
        (TRIGGERS, triggers_sql()),
        (POLICIES, policies_sql()),
    ]
}

fn relations_sql() -> String {
    format!(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text, c.relrowsecurity, \
                c.relforcerowsecurity, ds.description, \
                CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END, \
                CASE WHEN c.reloptions IS NOT NULL THEN \
                     ARRAY(SELECT o FROM unnest(c.reloptions) o WHERE o NOT LIKE 'pg\\_%') ELSE '{{}}' END, \
                c.relpersistence = 'u', \
                CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, \
                pn.nspname::text, pc.relname::text, pg_get_expr(c.relpartbound, c.oid), \
                c.relreplident::text, \
                (SELECT ri.relname::text FROM pg_index x JOIN pg_class ri ON ri.oid = x.indexrelid \
                  WHERE x.indrelid = c.oid AND x.indisreplident), \
                CASE WHEN tc.reloptions IS NOT NULL THEN \
                     ARRAY(SELECT 'toast.' || o FROM unnest(tc.reloptions) o WHERE o NOT LIKE 'pg\\_%') ELSE '{{}}' END, \
                c.reltype::int8, coalesce((SELECT t.typarray FROM pg_type t WHERE t.oid = c.reltype), 0)::int8, \
                {}, \
                CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END, \
                CASE WHEN am.amname IS NOT NULL AND am.amname <> 'heap' THEN am.amname::text END, \
                (SELECT ts.spcname::text FROM pg_tablespace ts WHERE ts.oid = c.reltablespace), \
                ARRAY(SELECT ipn.nspname || '.' || ip.relname FROM pg_inherits ih \
                      JOIN pg_class ip ON ip.oid = ih.inhparent JOIN pg_namespace ipn ON ipn.oid = ip.relnamespace \
                      WHERE ih.inhrelid = c.oid AND NOT c.relispartition ORDER BY ih.inhseqno), \
                (SELECT ri.relname::text FROM pg_index x JOIN pg_class ri ON ri.oid = x.indexrelid \
                  WHERE x.indrelid = c.oid AND x.indisclustered) \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
           LEFT JOIN pg_class tc ON tc.oid = c.reltoastrelid \
           LEFT JOIN pg_am am ON am.oid = c.relam \
           LEFT JOIN pg_inherits pi ON pi.inhrelid = c.oid AND c.relispartition \
           LEFT JOIN pg_class pc ON pc.oid = pi.inhparent LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace \
           {} \
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'c', 'f') AND {USER_NS} \
            AND c.relname <> '_sqlx_migrations'",
        granted("c.relacl", "c.relowner"),
        described("ds", "c.oid", "pg_class", "0"),
    )
}

fn columns_sql() -> String {
    let column_acl = granted("a.attacl", "c.relowner");
    format!(
        "SELECT a.attrelid::int8, a.attname::text, format_type(a.atttypid, a.atttypmod), \
                a.attnotnull, pg_get_expr(d.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE d.adrelid END), \
                a.attidentity::text, \
                a.attgenerated::text, cn.nspname::text, co.collname::text, \
                ds.description, a.attnum::int4, d.oid::int8, \
                CASE WHEN coalesce(a.attstattarget, -1) >= 0 THEN a.attstattarget::int4 END, \
                ARRAY(SELECT o FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg\\_%'), \
                CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END, \
                nullif(a.attcompression::text, ''), \
                {column_acl}, t.typstorage::text \
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p', 'v', 'm', 'c') \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           JOIN pg_type t ON t.oid = a.atttypid \
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
           LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation \
           LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace {} \
          WHERE a.attnum > 0 AND NOT a.attisdropped AND {USER_NS} ORDER BY a.attrelid, a.attnum",
        described("ds", "a.attrelid", "pg_class", "a.attnum"),
    )
}

/// Constraints of user tables; their column numbers (`conkey`, `confkey`) are named with the
/// columns read before ([`AttNames`]), not by a subquery per row.
fn constraints_sql() -> String {
    format!(
        "SELECT con.conrelid::int8, con.conname::text, con.contype::text, \
                pg_get_constraintdef(con.oid), fn.nspname::text, fc.relname::text, \
                con.conkey, ds.description, con.oid::int8, con.conindid::int8, \
                con.conparentid <> 0 OR NOT con.conislocal, con.confkey, con.confrelid::int8 \
           FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           LEFT JOIN pg_class fc ON fc.oid = con.confrelid \
           LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace {} WHERE {USER_NS}",
        described("ds", "con.oid", "pg_constraint", "0"),
    )
}

/// Indexes of user relations (an index lives in its table's schema), except those of primary
/// key, unique and exclusion constraints (they come with the constraint). `indkey` is named
/// with [`AttNames`] like constraint keys.
fn indexes_sql() -> String {
    format!(
        "SELECT i.indrelid::int8, ic.relname::text, pg_get_indexdef(i.indexrelid), \
                i.indkey::text, \
                ds.description, i.indexrelid::int8, ic.relispartition, i.indisvalid \
           FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
           JOIN pg_namespace n ON n.oid = ic.relnamespace {} \
          WHERE {USER_NS} AND NOT EXISTS (SELECT 1 FROM pg_constraint con \
                WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid \
                  AND con.contype IN ('p', 'u', 'x'))",
        described("ds", "ic.oid", "pg_class", "0"),
    )
}

fn triggers_sql() -> String {
    "SELECT t.tgrelid::int8, t.tgname::text, pg_get_triggerdef(t.oid), \
                p.oid::regprocedure::text, t.oid::int8, t.tgenabled::text, t.tgparentid <> 0, \
                obj_description(t.oid, 'pg_trigger') \
           FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
        .to_string()
}

fn policies_sql() -> String {
    "SELECT pol.polrelid::int8, pol.polname::text, pol.polpermissive, pol.polcmd::text, \
                ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END \
                      FROM unnest(pol.polroles) r ORDER BY 1), \
                pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid), \
                pol.oid::int8, obj_description(pol.oid, 'pg_policy') \
           FROM pg_policy pol"
        .to_string()
}

/// What a relation oid is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Rel {
    Table,
    View,
    /// The relation of a standalone composite type.
    Composite,
}

pub(super) type Rels = HashMap<i64, (QName, Rel)>;

/// Column names by (relation oid, attnum), of every relation the columns query reads.
pub(super) type AttNames = HashMap<(i64, i32), String>;

/// The names of columns `nums` of relation `rel`, in that order (unknown numbers skipped).
fn named(names: &AttNames, rel: i64, nums: &[i32]) -> Vec<String> {
    nums.iter()
        .filter_map(|n| names.get(&(rel, *n)).cloned())
        .collect()
}

pub(super) fn relations(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
) -> Result<Rels, SchemaError> {
    let mut rels = Rels::new();
    for r in reads.take(TABLES_AND_VIEWS)? {
        let w = "tables";
        let oid: i64 = get(&r, 0, w)?;
        if ids.is_ext_member("pg_class", oid) {
            continue;
        }
        let q = QName::new(&get::<String>(&r, 1, w)?, &get::<String>(&r, 2, w)?);
        let kind: String = get(&r, 3, w)?;
        let comment: Option<String> = get(&r, 6, w)?;
        let mut options: Vec<String> = get(&r, 8, w)?;
        let (obj, rel) = match kind.as_str() {
            "r" | "p" => (Obj::Table(q.clone()), Rel::Table),
            "v" | "m" => (Obj::View(q.clone()), Rel::View),
            "c" => (Obj::Type(q.clone()), Rel::Composite),
            _ => {
                // A foreign table: kept as a fingerprint (its columns come with it).
                let key = format!("foreign table {q}");
                ids.add("pg_class", oid, 0, Obj::Opaque(key));
                continue;
            }
        };
        ids.add("pg_class", oid, 0, obj.clone());
        ids.add("pg_type", get(&r, 17, w)?, 0, obj.clone());
        ids.add("pg_type", get(&r, 18, w)?, 0, obj.clone());
        rels.insert(oid, (q.clone(), rel));
        if rel == Rel::Composite {
            remember(s, &obj, comment, None);
            continue;
        }
        remember(s, &obj, comment, Some(get(&r, 19, w)?));
        if rel == Rel::View {
            let def: Option<String> = get(&r, 7, w)?;
            let definition = def
                .unwrap_or_default()
                .trim_end()
                .trim_end_matches(';')
                .to_string();
            s.views.insert(
                q,
                View {
                    materialized: kind == "m",
                    definition,
                    options: (!options.is_empty()).then(|| options.join(", ")),
                    indexes: Default::default(),
                },
            );
            continue;
        }
        // Table properties the engine does not generate: compared as fingerprints.
        for (i, what) in [
            (20, "typed table (OF)"),
            (21, "access method"),
            (22, "tablespace"),
        ] {
            if let Some(v) = get::<Option<String>>(&r, i, w)? {
                s.opaque.insert(format!("{what} of table {q}"), v);
            }
        }
        let inherits: Vec<String> = get(&r, 23, w)?;
        if !inherits.is_empty() {
            s.opaque
                .insert(format!("inheritance of table {q}"), inherits.join(", "));
        }
        options.extend(get::<Vec<String>>(&r, 16, w)?);
        let parent = get::<Option<String>>(&r, 11, w)?.zip(get::<Option<String>>(&r, 12, w)?);
        let replident: String = get(&r, 14, w)?;
        let replica_identity = match replident.as_str() {
            "n" => Some("NOTHING".to_string()),
            "f" => Some("FULL".to_string()),
            "i" => get::<Option<String>>(&r, 15, w)?.map(|i| format!("USING INDEX {}", ident(&i))),
            _ => None,
        };
        s.tables.insert(
            q,
            Table {
                rls_enabled: get(&r, 4, w)?,
                rls_forced: get(&r, 5, w)?,
                unlogged: get(&r, 9, w)?,
                options,
                partition_by: get(&r, 10, w)?,
                partition_of: match parent {
                    Some((n, t)) => Some(PartitionOf {
                        parent: QName::new(&n, &t),
                        bound: get::<Option<String>>(&r, 13, w)?.unwrap_or_default(),
                    }),
                    None => None,
                },
                replica_identity,
                clustered_on: get(&r, 24, w)?,
                ..Table::default()
            },
        );
    }
    Ok(rels)
}

/// Columns of tables; attributes of composite types; view columns only as dependency targets.
pub(super) fn columns(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
    rels: &Rels,
) -> Result<AttNames, SchemaError> {
    let mut names = AttNames::new();
    for r in reads.take(COLUMNS)? {
        let w = "columns";
        let relid: i64 = get(&r, 0, w)?;
        let name: String = get(&r, 1, w)?;
        let attnum: i32 = get(&r, 10, w)?;
        names.insert((relid, attnum), name.clone());
        let Some((q, rel)) = rels.get(&relid) else {
            continue;
        };
        let coll = get::<Option<String>>(&r, 7, w)?
            .zip(get::<Option<String>>(&r, 8, w)?)
            .map(|(n, c)| QName::new(&n, &c));
        match rel {
            Rel::View => {
                ids.add("pg_class", relid, attnum, Obj::View(q.clone()));
                continue;
            }
            Rel::Composite => {
                ids.add("pg_class", relid, attnum, Obj::Type(q.clone()));
                if let Some(TypeDef::Composite(attrs)) = s.types.get_mut(q) {
                    attrs.push(Attribute {
                        name,
                        type_sql: get(&r, 2, w)?,
                        collation: coll,
                    });
                }
                continue;
            }
            Rel::Table => {}
        }
        let identity: String = get(&r, 5, w)?;
        let generated: String = get(&r, 6, w)?;
        let expr: Option<String> = get(&r, 4, w)?;
        let col_obj = Obj::Column(q.clone(), name.clone());
        ids.add("pg_class", relid, attnum, col_obj.clone());
        if let Some(d) = get::<Option<i64>>(&r, 11, w)? {
            let def_obj = if generated.is_empty() {
                Obj::Default(q.clone(), name.clone())
            } else {
                col_obj.clone()
            };
            ids.add("pg_attrdef", d, 0, def_obj);
        }
        let storage_name = |x: &str| {
            match x {
                "p" => "PLAIN",
                "e" => "EXTERNAL",
                "m" => "MAIN",
                _ => "EXTENDED",
            }
            .to_string()
        };
        let storage = get::<Option<String>>(&r, 14, w)?.map(|x| storage_name(&x));
        let type_storage = storage_name(&get::<String>(&r, 17, w)?);
        let compression = get::<Option<String>>(&r, 15, w)?.map(|x| {
            match x.as_str() {
                "l" => "lz4",
                _ => "pglz",
            }
            .to_string()
        });
        let options: Vec<String> = get(&r, 13, w)?;
        let column = Column {
            name,
            type_sql: get(&r, 2, w)?,
            not_null: get(&r, 3, w)?,
            default: if generated.is_empty() {
                expr.clone()
            } else {
                None
            },
            identity: identity.chars().next(),
            identity_options: None,
            generated: if generated.is_empty() { None } else { expr },
            collation: coll,
            statistics: get(&r, 12, w)?,
            options,
            storage,
            type_storage,
            compression,
        };
        remember(s, &col_obj, get(&r, 9, w)?, Some(get(&r, 16, w)?));
        if let Some(t) = s.tables.get_mut(q) {
            t.columns.push(column);
        }
    }
    Ok(names)
}

pub(super) fn constraints(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
    rels: &Rels,
    names: &AttNames,
) -> Result<(), SchemaError> {
    for r in reads.take(CONSTRAINTS)? {
        let w = "constraints";
        let relid: i64 = get(&r, 0, w)?;
        let Some((q, Rel::Table)) = rels.get(&relid) else {
            continue;
        };
        let name: String = get(&r, 1, w)?;
        let kind: String = get(&r, 2, w)?;
        let kind = kind.chars().next().unwrap_or('?');
        let obj = Obj::Constraint(q.clone(), name.clone());
        ids.add("pg_constraint", get(&r, 8, w)?, 0, obj.clone());
        if matches!(kind, 'p' | 'u' | 'x') {
            ids.add("pg_class", get(&r, 9, w)?, 0, obj.clone());
        }
        if get::<bool>(&r, 10, w)? {
            // Inherited from a partitioned parent (or an inheritance parent): implied.
            continue;
        }
        let fns: Option<String> = get(&r, 4, w)?;
        let frel: Option<String> = get(&r, 5, w)?;
        let c = Constraint {
            kind,
            definition: get(&r, 3, w)?,
            references: fns.zip(frel).map(|(n, t)| QName::new(&n, &t)),
            columns: named(
                names,
                relid,
                &get::<Option<Vec<i32>>>(&r, 6, w)?.unwrap_or_default(),
            ),
            ref_columns: named(
                names,
                get(&r, 12, w)?,
                &get::<Option<Vec<i32>>>(&r, 11, w)?.unwrap_or_default(),
            ),
        };
        remember(s, &obj, get(&r, 7, w)?, None);
        if let Some(t) = s.tables.get_mut(q) {
            t.constraints.insert(name, c);
        }
    }
    Ok(())
}

pub(super) fn indexes(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
    rels: &Rels,
    names: &AttNames,
) -> Result<(), SchemaError> {
    for r in reads.take(INDEXES)? {
        let w = "indexes";
        let relid: i64 = get(&r, 0, w)?;
        let Some((q, rel)) = rels.get(&relid) else {
            continue;
        };
        let name: String = get(&r, 1, w)?;
        let iq = QName::new(&q.schema, &name);
        let obj = Obj::Index(iq.clone());
        ids.add("pg_class", get(&r, 5, w)?, 0, obj.clone());
        if get::<bool>(&r, 6, w)? {
            // A partition's index attached to its parent's partitioned index: implied.
            continue;
        }
        if !get::<bool>(&r, 7, w)? {
            s.opaque.insert(
                format!("invalid index {iq}"),
                "INVALID (a failed CREATE INDEX CONCURRENTLY?)".into(),
            );
        }
        let definition = get::<String>(&r, 2, w)?.replacen(" ON ONLY ", " ON ", 1);
        remember(s, &obj, get(&r, 4, w)?, None);
        let index = Index {
            definition,
            columns: named(names, relid, &index_columns(&get::<String>(&r, 3, w)?)),
        };
        match rel {
            Rel::Table => {
                if let Some(t) = s.tables.get_mut(q) {
                    t.indexes.insert(name, index);
                }
            }
            Rel::View => {
                if let Some(v) = s.views.get_mut(q) {
                    v.indexes.insert(name, index);
                }
            }
            Rel::Composite => {}
        }
    }
    Ok(())
}

/// The distinct table columns an index's `indkey` (`1 3 0`: 0 for an expression) uses, in
/// column order.
fn index_columns(indkey: &str) -> Vec<i32> {
    let mut nums: Vec<i32> = indkey
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .collect();
    nums.sort_unstable();
    nums.dedup();
    nums
}

pub(super) fn triggers(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
    rels: &Rels,
) -> Result<(), SchemaError> {
    for r in reads.take(TRIGGERS)? {
        let w = "triggers";
        let name: String = get(&r, 1, w)?;
        match rels.get(&get::<i64>(&r, 0, w)?) {
            Some((q, Rel::Table)) => {
                let obj = Obj::Trigger(q.clone(), name.clone());
                ids.add("pg_trigger", get(&r, 4, w)?, 0, obj.clone());
                if get::<bool>(&r, 6, w)? {
                    continue; // cloned from a partitioned parent's trigger
                }
                remember(s, &obj, get(&r, 7, w)?, None);
                let enabled: String = get(&r, 5, w)?;
                let trigger = Trigger {
                    definition: get(&r, 2, w)?,
                    function: get(&r, 3, w)?,
                    enabled: enabled.chars().next().unwrap_or('O'),
                };
                if let Some(t) = s.tables.get_mut(q) {
                    t.triggers.insert(name, trigger);
                }
            }
            Some((q, _)) => {
                let key = format!("trigger {name} on view {q}");
                ids.add("pg_trigger", get(&r, 4, w)?, 0, Obj::Opaque(key.clone()));
                s.opaque.insert(key, get(&r, 2, w)?);
            }
            None => {}
        }
    }
    Ok(())
}

pub(super) fn policies(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
    rels: &Rels,
) -> Result<(), SchemaError> {
    for r in reads.take(POLICIES)? {
        let w = "policies";
        let Some((q, Rel::Table)) = rels.get(&get::<i64>(&r, 0, w)?) else {
            continue;
        };
        let name: String = get(&r, 1, w)?;
        let obj = Obj::Policy(q.clone(), name.clone());
        ids.add("pg_policy", get(&r, 7, w)?, 0, obj.clone());
        remember(s, &obj, get(&r, 8, w)?, None);
        let cmd: String = get(&r, 3, w)?;
        let command = match cmd.as_str() {
            "r" => "SELECT",
            "a" => "INSERT",
            "w" => "UPDATE",
            "d" => "DELETE",
            _ => "ALL",
        };
        let policy = Policy {
            permissive: get(&r, 2, w)?,
            command: command.into(),
            roles: get(&r, 4, w)?,
            using: get(&r, 5, w)?,
            with_check: get(&r, 6, w)?,
        };
        if let Some(t) = s.tables.get_mut(q) {
            t.policies.insert(name, policy);
        }
    }
    Ok(())
}
