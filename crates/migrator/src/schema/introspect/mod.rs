//! Reads a database's schema through pg_catalog into [`Schema`] with a fixed number of queries
//! (one per object kind, never one per table). System schemas, extension-owned objects and
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

use std::collections::{BTreeSet, HashMap};

use sqlx::{PgConnection, Row};

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

async fn rows(
    conn: &mut PgConnection,
    what: &str,
    sql: String,
) -> Result<Vec<sqlx::postgres::PgRow>, SchemaError> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
        .map_err(|e| SchemaError::Introspect {
            what: what.to_string(),
            message: crate::db::describe(&e),
        })
}

fn get<'r, T>(row: &'r sqlx::postgres::PgRow, i: usize, what: &str) -> Result<T, SchemaError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(i).map_err(|e| SchemaError::Introspect {
        what: what.to_string(),
        message: crate::db::describe(&e),
    })
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

/// Reads the whole schema (a fixed number of queries). Names in definitions come out
/// schema-qualified: the search_path is empty while reading (as pg_dump does) and restored
/// afterwards.
pub async fn introspect(conn: &mut PgConnection) -> Result<Schema, SchemaError> {
    rows(
        conn,
        "search_path",
        "SELECT set_config('search_path', '', false)".into(),
    )
    .await?;
    let schema = read(conn).await?;
    rows(conn, "search_path", "SELECT set_config('search_path', reset_val, false) FROM pg_settings WHERE name = 'search_path'".into()).await?;
    Ok(schema)
}

async fn read(conn: &mut PgConnection) -> Result<Schema, SchemaError> {
    let mut s = Schema::default();
    let mut ids = Ids::default();
    depends::extension_members(conn, &mut ids).await?;
    objects::schemas(conn, &mut s, &mut ids).await?;
    objects::extensions(conn, &mut s, &mut ids).await?;
    objects::collations(conn, &mut s, &mut ids).await?;
    objects::types(conn, &mut s, &mut ids).await?;
    objects::domain_constraints(conn, &mut s, &mut ids).await?;
    let rels = relations::relations(conn, &mut s, &mut ids).await?;
    relations::columns(conn, &mut s, &mut ids, &rels).await?;
    relations::constraints(conn, &mut s, &mut ids, &rels).await?;
    relations::indexes(conn, &mut s, &mut ids, &rels).await?;
    relations::triggers(conn, &mut s, &mut ids, &rels).await?;
    relations::policies(conn, &mut s, &mut ids, &rels).await?;
    objects::sequences(conn, &mut s, &mut ids).await?;
    objects::functions(conn, &mut s, &mut ids).await?;
    objects::statistics(conn, &mut s, &mut ids).await?;
    objects::default_privileges(conn, &mut s).await?;
    opaque::opaque(conn, &mut s, &mut ids).await?;
    depends::depends(conn, &mut s, &mut ids).await?;
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
