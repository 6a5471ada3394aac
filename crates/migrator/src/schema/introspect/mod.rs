//! Reads a database's schema through pg_catalog into [`Schema`] with a fixed number of queries
//! (one per object kind, never one per table), sent together in one round trip (see [`fetch`]).
//! System schemas, extension-owned objects and
//! `_sqlx_migrations` are left out. Every object's oid is remembered so that `pg_depend` can be
//! read into [`Schema::deps`] by identity; objects the diff engine does not generate SQL for are
//! kept as fingerprints in [`Schema::opaque`] (refused only when they differ).
//!
//! Which catalog columns are read, and what becomes of each, is listed in [`coverage`]; a test
//! holds that list against the live catalogs.

pub mod coverage;
pub use objects::default_acl_baseline;
mod depends;
mod objects;
mod opaque;
mod relations;
mod text;

use std::collections::{BTreeSet, HashMap};

use futures_util::StreamExt;
use sqlx::postgres::PgRow;
use sqlx::{Either, PgConnection, Row, ValueRef};

use super::SchemaError;
use super::model::*;

/// Filters a `pg_namespace n` to user schemas.
const USER_NS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

/// Filters out objects owned by an extension (`CLASS` is the catalog, `OID` the object's oid).
fn not_ext(class: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend xd WHERE xd.classid = '{class}'::regclass \
         AND xd.objid = {oid} AND xd.deptype = 'e')"
    )
}

/// `LEFT JOIN pg_description ALIAS` on the comment of object `oid` (sub-object `sub`) of
/// `catalog`: what `obj_description` / `col_description` return, as a join instead of a SQL
/// function called once per row.
fn described(alias: &str, oid: &str, catalog: &str, sub: &str) -> String {
    format!(
        "LEFT JOIN pg_description {alias} ON {alias}.objoid = {oid} \
         AND {alias}.classoid = '{catalog}'::regclass AND {alias}.objsubid = {sub}"
    )
}

/// The privileges in `acl` (a NULL acl already replaced by `acldefault`) granted to roles other
/// than `owner`, as `grantee \x1f privilege \x1f grantable` strings.
fn acl(acl: &str, owner: &str) -> String {
    format!(
        "ARRAY(SELECT coalesce(r.rolname::text, 'PUBLIC') || chr(31) || a.privilege_type \
                || chr(31) || a.is_grantable::text \
           FROM aclexplode({acl}) a LEFT JOIN pg_roles r ON r.oid = a.grantee \
          WHERE a.grantee <> {owner} ORDER BY 1)"
    )
}

/// [`acl`] of an object whose NULL acl (its kind's default) grants only its owner: tables,
/// views, sequences, columns, schemas. The common NULL case costs no subquery.
fn granted(acl_col: &str, owner: &str) -> String {
    format!(
        "CASE WHEN {acl_col} IS NULL THEN '{{}}'::text[] ELSE {} END",
        acl(acl_col, owner)
    )
}

/// Privileges every object of a kind has without any GRANT (besides its owner's).
pub fn default_grants(obj: &Obj) -> BTreeSet<Grant> {
    let public = |p: &str| Grant {
        grantee: "PUBLIC".into(),
        privilege: p.into(),
        grantable: false,
    };
    match obj {
        Obj::Function(_) => [public("EXECUTE")].into(),
        Obj::Type(_) => [public("USAGE")].into(),
        _ => BTreeSet::new(),
    }
}

/// One catalog read: a name (for errors) and its SQL.
type Query = (&'static str, String);

/// The results of [`fetch`], taken by name by the readers; a read registered but never taken
/// (or taken twice) is an error, so the list and its readers cannot drift apart.
struct Reads(HashMap<&'static str, Vec<PgRow>>);

impl Reads {
    fn take(&mut self, what: &'static str) -> Result<Vec<PgRow>, SchemaError> {
        self.0.remove(what).ok_or_else(|| SchemaError::Introspect {
            what: what.to_string(),
            message: "internal error: this catalog read was not sent, or was used twice".into(),
        })
    }

    fn finish(self) -> Result<(), SchemaError> {
        match self.0.keys().next() {
            None => Ok(()),
            Some(what) => Err(SchemaError::Introspect {
                what: what.to_string(),
                message: "internal error: this catalog read was sent but never used".into(),
            }),
        }
    }
}

/// Runs every query in one simple-protocol message: one round trip, each statement planned
/// once (no prepared statements to parse, describe and cache on a connection that reads the
/// catalog a few times at most). Rows come back in the text format ([`get`] decodes it). A
/// failing statement is named by how many completed before it.
async fn fetch(conn: &mut PgConnection, queries: &[Query]) -> Result<Reads, SchemaError> {
    let sql = queries
        .iter()
        .map(|(_, q)| q.as_str())
        .collect::<Vec<_>>()
        .join(";\n");
    let mut results = HashMap::new();
    let mut current = Vec::new();
    let mut stream = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).fetch_many(conn);
    while let Some(item) = stream.next().await {
        let what = queries.get(results.len()).map_or("catalog", |q| q.0);
        match item {
            Ok(Either::Right(row)) => current.push(row),
            Ok(Either::Left(_)) => {
                results.insert(what, std::mem::take(&mut current));
            }
            Err(e) => {
                return Err(SchemaError::Introspect {
                    what: what.to_string(),
                    message: crate::db::describe(&e),
                });
            }
        }
    }
    if results.len() != queries.len() {
        return Err(SchemaError::Introspect {
            what: "catalog".into(),
            message: format!(
                "internal error: {} results for {} catalog queries",
                results.len(),
                queries.len()
            ),
        });
    }
    Ok(Reads(results))
}

/// Column `i` of a catalog row (text format), as `T`.
fn get<T: text::Field>(row: &PgRow, i: usize, what: &str) -> Result<T, SchemaError> {
    let err = |message: String| SchemaError::Introspect {
        what: what.to_string(),
        message: format!("column {}: {message}", i + 1),
    };
    let raw = row
        .try_get_raw(i)
        .map_err(|e| err(crate::db::describe(&e)))?;
    let value = if raw.is_null() {
        None
    } else {
        Some(raw.as_str().map_err(|e| err(e.to_string()))?)
    };
    T::from_text(value).map_err(err)
}

/// Catalog objects by (catalog, oid, sub-id) → identity, filled while reading; resolves
/// `pg_depend` rows afterwards.
#[derive(Default)]
struct Ids {
    by: HashMap<(&'static str, i64, i32), Obj>,
    /// Objects that belong to an extension: catalog → oid → extension name.
    ext_members: HashMap<String, HashMap<i64, String>>,
}

impl Ids {
    /// Whether an extension owns the object (the rows of extension objects are skipped here
    /// rather than by an anti-join in every query: the members are read once).
    fn is_ext_member(&self, catalog: &str, oid: i64) -> bool {
        self.ext_members
            .get(catalog)
            .is_some_and(|m| m.contains_key(&oid))
    }

    fn add_ext_member(&mut self, catalog: String, oid: i64, extension: String) {
        self.ext_members
            .entry(catalog)
            .or_default()
            .insert(oid, extension);
    }

    fn add(&mut self, catalog: &'static str, oid: i64, sub: i32, obj: Obj) {
        self.by.insert((catalog, oid, sub), obj);
    }

    fn resolve(&self, catalog: &str, oid: i64, sub: i32) -> Option<Obj> {
        let key = |c: &'static str| self.by.get(&(c, oid, sub)).or(self.by.get(&(c, oid, 0)));
        let found = CATALOGS
            .iter()
            .find(|c| **c == catalog)
            .and_then(|c| key(c));
        match found {
            Some(o) => Some(o.clone()),
            None => self
                .ext_members
                .get(catalog)
                .and_then(|m| m.get(&oid))
                .map(|e| Obj::Extension(e.clone())),
        }
    }
}

/// The catalogs objects are registered under (`classid::regclass::text`).
const CATALOGS: &[&str] = &[
    "pg_namespace",
    "pg_extension",
    "pg_type",
    "pg_collation",
    "pg_class",
    "pg_attrdef",
    "pg_constraint",
    "pg_proc",
    "pg_rewrite",
    "pg_trigger",
    "pg_policy",
    "pg_statistic_ext",
    "pg_operator",
    "pg_opclass",
    "pg_opfamily",
    "pg_cast",
    "pg_conversion",
    "pg_language",
    "pg_ts_config",
    "pg_ts_dict",
    "pg_ts_parser",
    "pg_ts_template",
    "pg_event_trigger",
    "pg_publication",
    "pg_publication_rel",
    "pg_foreign_data_wrapper",
    "pg_foreign_server",
    "pg_user_mapping",
    "pg_transform",
    "pg_am",
    "pg_default_acl",
];

/// Reads the whole schema (a fixed number of queries, one round trip). Names in definitions
/// come out schema-qualified: the search_path is empty while reading (as pg_dump does) and
/// restored afterwards, by the first and last statements of the same message.
pub async fn introspect(conn: &mut PgConnection) -> Result<Schema, SchemaError> {
    let mut queries: Vec<Query> = vec![(
        "search_path",
        "SELECT set_config('search_path', '', false)".into(),
    )];
    queries.extend(depends::queries());
    queries.extend(objects::queries());
    queries.extend(relations::queries());
    queries.extend(opaque::queries());
    queries.push((
        "search_path reset",
        "SELECT set_config('search_path', reset_val, false) FROM pg_settings \
          WHERE name = 'search_path'"
            .into(),
    ));
    let mut reads = fetch(conn, &queries).await?;
    reads.take("search_path")?;
    reads.take("search_path reset")?;
    let schema = read(&mut reads)?;
    reads.finish()?;
    Ok(schema)
}

fn read(reads: &mut Reads) -> Result<Schema, SchemaError> {
    let mut s = Schema::default();
    let mut ids = Ids::default();
    depends::extension_members(reads, &mut ids)?;
    objects::schemas(reads, &mut s, &mut ids)?;
    objects::extensions(reads, &mut s, &mut ids)?;
    objects::collations(reads, &mut s, &mut ids)?;
    objects::types(reads, &mut s, &mut ids)?;
    objects::domain_constraints(reads, &mut s, &mut ids)?;
    let rels = relations::relations(reads, &mut s, &mut ids)?;
    let names = relations::columns(reads, &mut s, &mut ids, &rels)?;
    relations::constraints(reads, &mut s, &mut ids, &rels, &names)?;
    relations::indexes(reads, &mut s, &mut ids, &rels, &names)?;
    relations::triggers(reads, &mut s, &mut ids, &rels)?;
    relations::policies(reads, &mut s, &mut ids, &rels)?;
    objects::sequences(reads, &mut s, &mut ids)?;
    objects::functions(reads, &mut s, &mut ids)?;
    objects::statistics(reads, &mut s, &mut ids)?;
    objects::default_privileges(reads, &mut s)?;
    opaque::opaque(reads, &mut s, &mut ids)?;
    depends::depends(reads, &mut s, &mut ids)?;
    s.add_implicit_deps();
    Ok(s)
}

/// Splits `grantee \x1f privilege \x1f grantable` rows into grants.
fn grants(raw: Vec<String>) -> BTreeSet<Grant> {
    raw.into_iter()
        .filter_map(|r| {
            let mut it = r.split('\u{1f}');
            Some(Grant {
                grantee: it.next()?.to_string(),
                privilege: it.next()?.to_string(),
                grantable: it.next()? == "true",
            })
        })
        .collect()
}

/// Records an object's comment and its privileges when they differ from the kind's default.
fn remember(s: &mut Schema, obj: &Obj, comment: Option<String>, raw_acl: Option<Vec<String>>) {
    if let Some(c) = comment {
        s.comments.insert(obj.clone(), c);
    }
    if let Some(raw) = raw_acl {
        let g = grants(raw);
        if g != default_grants(obj) {
            s.privileges.insert(obj.clone(), g);
        }
    }
}
