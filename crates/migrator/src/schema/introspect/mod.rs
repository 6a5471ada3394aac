//! Reads a database's schema through pg_catalog into [`Schema`] with a fixed number of queries
//! (one per object kind, never one per table), sent together in one round trip (see [`fetch`]).
//! System schemas, extension-owned objects and `_sqlx_migrations` are left out. Every object's oid is remembered so that `pg_depend` can be
//! read into [`Schema::deps`] by identity; objects the diff engine does not generate SQL for are
//! kept as fingerprints in [`Schema::opaque`] (refused only when they differ).
//!
//! Which catalog columns are read, and what becomes of each, is listed in [`coverage`]; a test
//! holds that list against the live catalogs.

pub mod coverage;
pub use objects::default_acl_baseline;
mod aggregate;
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
/// `pg_depend` rows afterwards. Keys are small numbers hashed cheaply: thousands of rows are
/// looked up per read.
#[derive(Default)]
struct Ids {
    by: HashMap<(u8, i64, i32), Obj, Fast>,
    /// Objects that belong to an extension: (catalog, oid) → the extension.
    ext_members: HashMap<(u8, i64), Obj, Fast>,
}

/// The index of a catalog in [`CATALOGS`] (unknown catalogs hold no object of ours).
fn catalog(name: &str) -> Option<u8> {
    CATALOGS
        .iter()
        .position(|c| *c == name)
        .and_then(|i| u8::try_from(i).ok())
}

impl Ids {
    /// Whether an extension owns the object (the rows of extension objects are skipped here
    /// rather than by an anti-join in every query: the members are read once).
    fn is_ext_member(&self, name: &str, oid: i64) -> bool {
        catalog(name).is_some_and(|c| self.ext_members.contains_key(&(c, oid)))
    }

    fn add_ext_member(&mut self, name: &str, oid: i64, extension: String) {
        if let Some(c) = catalog(name) {
            self.ext_members.insert((c, oid), Obj::Extension(extension));
        }
    }

    fn add(&mut self, name: &'static str, oid: i64, sub: i32, obj: Obj) {
        if let Some(c) = catalog(name) {
            self.by.insert((c, oid, sub), obj);
        }
    }

    fn resolve(&self, name: &str, oid: i64, sub: i32) -> Option<Obj> {
        self.resolve_in(catalog(name)?, oid, sub).cloned()
    }

    /// The object (or, failing that, the whole object of a sub-object, or the extension that
    /// owns it) by catalog index.
    fn resolve_in(&self, c: u8, oid: i64, sub: i32) -> Option<&Obj> {
        self.by
            .get(&(c, oid, sub))
            .or_else(|| self.by.get(&(c, oid, 0)))
            .or_else(|| self.ext_members.get(&(c, oid)))
    }
}

/// A hasher for the integer keys of [`Ids`] (SipHash's protection against crafted keys is not
/// needed for catalog oids).
#[derive(Default, Clone, Copy)]
struct Fast;

impl std::hash::BuildHasher for Fast {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_i32(&mut self, n: i32) {
        self.write_u64(u64::from(n as u32));
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        // FxHash's step: rotate, xor, multiply by a large odd constant.
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
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
    let clock = std::time::Instant::now();
    let mut reads = fetch(conn, &queries).await?;
    let fetched = clock.elapsed();
    reads.take("search_path")?;
    reads.take("search_path reset")?;
    let schema = read(&mut reads)?;
    reads.finish()?;
    tracing::debug!(
        "introspection: catalog read in {} µs, model built in {} µs",
        fetched.as_micros(),
        (clock.elapsed() - fetched).as_micros()
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_resolve_sub_objects_whole_objects_and_extension_members() {
        let mut ids = Ids::default();
        let t = QName::new("public", "t");
        ids.add("pg_class", 16400, 0, Obj::Table(t.clone()));
        ids.add("pg_class", 16400, 2, Obj::Column(t.clone(), "b".into()));
        ids.add_ext_member("pg_proc", 16500, "citext".into());
        ids.add("pg_not_a_catalog", 1, 0, Obj::Table(t.clone()));
        assert_eq!(
            ids.resolve("pg_class", 16400, 2),
            Some(Obj::Column(t.clone(), "b".into()))
        );
        // A column without an entry of its own stands for its table.
        assert_eq!(ids.resolve("pg_class", 16400, 7), Some(Obj::Table(t)));
        assert_eq!(
            ids.resolve("pg_proc", 16500, 0),
            Some(Obj::Extension("citext".into()))
        );
        assert!(ids.is_ext_member("pg_proc", 16500));
        assert!(!ids.is_ext_member("pg_class", 16500));
        assert_eq!(ids.resolve("pg_type", 16400, 0), None);
        assert_eq!(ids.resolve("pg_not_a_catalog", 1, 0), None);
        assert!(ids.by.len() == 2);
    }
}
