//! `pg_depend` read into [`Schema::deps`] by identity, plus the view rules (`_RETURN`) that
//! stand for views in it and the objects extensions own.

use std::collections::HashMap;

use super::{Ids, Query, Reads, USER_NS, get};
use crate::schema::SchemaError;
use crate::schema::model::*;

const EXTENSION_MEMBERS: &str = "extension members";
const EXTENSION_ARRAY_TYPES: &str = "extension array types";
const RULES: &str = "rules";
const CATALOGS: &str = "catalogs";
const DEPENDENCIES: &str = "dependencies";

/// The catalog reads of this module (sent together, see [`super::fetch`]).
pub(super) fn queries() -> Vec<Query> {
    vec![
        (EXTENSION_MEMBERS, extension_members_sql()),
        (EXTENSION_ARRAY_TYPES, extension_array_types_sql()),
        (RULES, rules_sql()),
        (CATALOGS, catalogs_sql()),
        (DEPENDENCIES, dependencies_sql()),
    ]
}

fn extension_members_sql() -> String {
    "SELECT d.classid::regclass::text, d.objid::int8, e.extname::text \
                 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid \
                WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'"
        .to_string()
}

fn extension_array_types_sql() -> String {
    "SELECT t.typarray::int8, e.extname::text FROM pg_type t \
                 JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e' \
                 JOIN pg_extension e ON e.oid = d.refobjid WHERE t.typarray <> 0"
        .to_string()
}

fn rules_sql() -> String {
    format!(
        "SELECT r.oid::int8, r.ev_class::int8, r.rulename::text, n.nspname::text, c.relname::text, \
                CASE WHEN r.rulename <> '_RETURN' THEN pg_get_ruledef(r.oid) END \
           FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class \
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {USER_NS}"
    )
}

fn catalogs_sql() -> String {
    "SELECT c.oid::int8, c.relname::text FROM pg_class c \
                WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r'"
        .to_string()
}

fn dependencies_sql() -> String {
    "SELECT d.classid::int8, d.objid::int8, d.objsubid, \
                      d.refclassid::int8, d.refobjid::int8, d.refobjsubid \
                 FROM pg_depend d WHERE d.deptype IN ('n', 'a', 'i') AND d.objid >= 16384"
        .to_string()
}

/// Objects owned by an extension: a user object that uses one depends on the extension.
pub(super) fn extension_members(reads: &mut Reads, ids: &mut Ids) -> Result<(), SchemaError> {
    for r in reads.take(EXTENSION_MEMBERS)? {
        let w = "extension members";
        let class: String = get(&r, 0, w)?;
        ids.add_ext_member(&class, get(&r, 1, w)?, get(&r, 2, w)?);
    }
    // Types of an extension's tables and arrays of its types are its own too.
    for r in reads.take(EXTENSION_ARRAY_TYPES)? {
        let w = "extension array types";
        ids.add_ext_member("pg_type", get(&r, 0, w)?, get(&r, 1, w)?);
    }
    Ok(())
}

/// Rules: a view's `_RETURN` rule stands for the view; any other rule is a fingerprint.
fn rules(reads: &mut Reads, s: &mut Schema, ids: &mut Ids) -> Result<(), SchemaError> {
    for r in reads.take(RULES)? {
        let w = "rules";
        let oid: i64 = get(&r, 0, w)?;
        match get::<Option<String>>(&r, 5, w)? {
            None => {
                if let Some(view) = ids.resolve("pg_class", get(&r, 1, w)?, 0) {
                    ids.add("pg_rewrite", oid, 0, view);
                }
            }
            Some(def) => {
                let q = QName::new(&get::<String>(&r, 3, w)?, &get::<String>(&r, 4, w)?);
                let key = format!("rule {} on {q}", get::<String>(&r, 2, w)?);
                ids.add("pg_rewrite", oid, 0, Obj::Opaque(key.clone()));
                s.opaque.insert(key, def);
            }
        }
    }
    Ok(())
}

/// Every dependency between two managed objects (normal, automatic and internal ones; an
/// object never depends on itself).
pub(super) fn depends(reads: &mut Reads, s: &mut Schema, ids: &mut Ids) -> Result<(), SchemaError> {
    rules(reads, s, ids)?;
    // The catalogs by oid, read once: thousands of rows then carry numbers, not names.
    let mut catalogs: HashMap<i64, u8> = HashMap::new();
    for r in reads.take(CATALOGS)? {
        let name: String = get(&r, 1, "catalogs")?;
        if let Some(c) = super::catalog(&name) {
            catalogs.insert(get(&r, 0, "catalogs")?, c);
        }
    }
    for r in reads.take(DEPENDENCIES)? {
        let w = "dependencies";
        let Some(class) = catalogs.get(&get::<i64>(&r, 0, w)?) else {
            continue;
        };
        let Some(from) = ids.resolve_in(*class, get(&r, 1, w)?, get(&r, 2, w)?) else {
            continue;
        };
        if matches!(from, Obj::Extension(_)) {
            continue;
        }
        let Some(refclass) = catalogs.get(&get::<i64>(&r, 3, w)?) else {
            continue;
        };
        let Some(to) = ids.resolve_in(*refclass, get(&r, 4, w)?, get(&r, 5, w)?) else {
            continue;
        };
        if from != to && !s.deps.get(from).is_some_and(|d| d.contains(to)) {
            s.deps.entry(from.clone()).or_default().insert(to.clone());
        }
    }
    Ok(())
}
