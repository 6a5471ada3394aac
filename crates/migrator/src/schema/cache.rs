//! The persistent databases that make repeated runs fast, on the shadow server. Every entry
//! is per role (the connecting role's name is part of every hash, and of the blank database's
//! name): an entry is owned by the role that built it, and another role could neither change
//! it in the proof nor create objects in its `public` schema (PostgreSQL 15+).
//!
//! - `migrator_cache_blank_<16 hex>`: an empty database (template0, UTF8). schema.sql is loaded into it
//!   inside a transaction that is always rolled back, so no CREATE DATABASE is needed for
//!   "desired".
//! - `migrator_cache_<16 hex>`: the state the migrations build, keyed by a SHA-256 over every
//!   migration's version and up script, in order. Only ever read, or changed inside
//!   transactions that are rolled back (the proof). Built under a temporary name and renamed
//!   only after a successful replay, so a failed or interrupted replay never leaves an entry.
//!   At most [`KEEP`] entries stay after a new one is stored.
//! - `migrator_cache_schema_<16 hex>`: schema.sql loaded (keyed by a SHA-256 of its text),
//!   stored when the same schema.sql comes again within [`RECENT`] runs (the blank database's
//!   comment remembers the last keys asked for), so a changing schema.sql never pays a CREATE
//!   DATABASE while a repeated one (`--check`, re-runs, switching between two branches) is only
//!   read. Same rules as the replay entries.
//!
//! Readers take a shared advisory lock, writers (rolled-back loads and proofs) an exclusive
//! one, so concurrent runs never see each other's uncommitted changes half-way.

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, Row};

use super::SchemaError;
use super::model::ident;
use super::shadow::{Shadows, sqlstate};
use crate::db::describe;
use crate::files::LocalMigration;

/// Name prefix of the blank databases (one per role) loaded with schema.sql.
pub const BLANK: &str = "migrator_cache_blank_";
/// Name prefixes of the replay entries and of the schema.sql entries.
pub const REPLAY: &str = "migrator_cache_";
pub const SCHEMA: &str = "migrator_cache_schema_";
/// How many entries of each kind stay after a new one is stored.
pub const KEEP: usize = 3;
/// Advisory lock key (per database) of the cache databases: "migrator" in ASCII.
pub const LOCK: i64 = 0x6d69_6772_6174_6f72;
/// Bumped when what a cache database holds changes meaning.
const FORMAT: &[u8] = b"migrator-cache-1";

/// The blank database of `role`: `migrator_cache_blank_<16 hex>`.
pub fn blank(role: &str) -> String {
    let mut h = Sha256::new();
    h.update(FORMAT);
    h.update(b"blank");
    h.update(role.as_bytes());
    format!("{BLANK}{}", hex16(h))
}

/// `migrator_cache_<16 hex>` for these migrations (version and up script of each, in order)
/// and `role`.
pub fn name(role: &str, migrations: &[LocalMigration]) -> String {
    let mut h = Sha256::new();
    h.update(FORMAT);
    h.update((role.len() as u64).to_be_bytes());
    h.update(role.as_bytes());
    for m in migrations {
        h.update(m.version.to_be_bytes());
        h.update((m.up_sql.len() as u64).to_be_bytes());
        h.update(m.up_sql.as_bytes());
    }
    format!("{REPLAY}{}", hex16(h))
}

fn hex16(h: Sha256) -> String {
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `migrator_cache_schema_<16 hex>` for this schema.sql text and `role`.
pub fn schema_name(role: &str, sql: &str) -> String {
    let mut h = Sha256::new();
    h.update(FORMAT);
    h.update(b"schema.sql");
    h.update((role.len() as u64).to_be_bytes());
    h.update(role.as_bytes());
    h.update(sql.as_bytes());
    format!("{SCHEMA}{}", hex16(h))
}

/// Whether `name` is an entry of the kind `prefix` ([`REPLAY`] or [`SCHEMA`]); never the
/// blank database nor a temporary one.
pub fn is_entry(prefix: &str, name: &str) -> bool {
    name.strip_prefix(prefix).is_some_and(|h| {
        h.len() == 16
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Creates this role's blank database unless it exists (a concurrent creator winning is
/// fine); returns its name.
pub async fn ensure_blank(sh: &Shadows) -> Result<String, SchemaError> {
    let blank = blank(sh.role());
    let rows = sh
        .admin_rows(&format!(
            "SELECT 1 FROM pg_database WHERE datname = '{blank}'"
        ))
        .await
        .map_err(|e| sh.err("looking up the blank cache database", &e))?;
    if !rows.is_empty() {
        return Ok(blank);
    }
    let sql = format!("CREATE DATABASE {blank} TEMPLATE template0 ENCODING 'UTF8'");
    match sh.admin_sql(sql).await {
        Ok(()) => Ok(blank),
        // 42P04 duplicate_database; 23505 when both creators got past the name check.
        Err(e) if matches!(sqlstate(&e).as_deref(), Some("42P04" | "23505")) => Ok(blank),
        Err(e) => Err(sh.err(&format!("creating the cache database {blank}"), &e)),
    }
}

/// True when nothing user-made is in the connected database (the blank one must stay so).
pub async fn is_blank(sh: &Shadows, conn: &mut PgConnection) -> Result<bool, SchemaError> {
    let sql = "SELECT NOT EXISTS (SELECT 1 FROM pg_class WHERE oid >= 16384) \
           AND NOT EXISTS (SELECT 1 FROM pg_type WHERE oid >= 16384) \
           AND NOT EXISTS (SELECT 1 FROM pg_proc WHERE oid >= 16384) \
           AND NOT EXISTS (SELECT 1 FROM pg_namespace WHERE oid >= 16384) \
           AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname <> 'plpgsql') \
           AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') \
           AND obj_description('public'::regnamespace, 'pg_namespace') \
               IS NOT DISTINCT FROM 'standard public schema'";
    let row = sqlx::query(sql)
        .fetch_one(conn)
        .await
        .map_err(|e| sh.err("checking that the blank cache database is empty", &e))?;
    row.try_get(0)
        .map_err(|e| sh.err("checking that the blank cache database is empty", &e))
}

/// Drops this role's polluted blank database (without FORCE: a user of it keeps it, with a
/// note).
pub async fn drop_blank(sh: &Shadows, why: &str) {
    let blank = blank(sh.role());
    let note = match sh
        .admin_sql(format!("DROP DATABASE IF EXISTS {blank}"))
        .await
    {
        Ok(()) => format!("{why}; dropped {blank}, the next run recreates it"),
        Err(e) => format!(
            "{why}; could not drop {blank} ({}): drop it by hand (DROP DATABASE {blank})",
            describe(&e).lines().next().unwrap_or_default()
        ),
    };
    sh.note(note).await;
}

/// A connection to cache entry `name`, or None when it does not exist (never built, or
/// pruned by a concurrent run just now).
pub async fn lookup(sh: &Shadows, name: &str) -> Result<Option<PgConnection>, SchemaError> {
    match sh.try_connect(name).await {
        Ok(conn) => Ok(Some(conn)),
        Err(e) if sqlstate(&e).as_deref() == Some("3D000") => Ok(None),
        Err(e) => Err(sh.err(&format!("connecting to cache database {name}"), &e)),
    }
}

/// Renames the replayed temporary database `tmp` (no open connections) to entry `name`.
/// False when a concurrent run stored it first: `tmp` stays temporary.
pub async fn store(sh: &Shadows, tmp: &str, name: &str) -> Result<bool, SchemaError> {
    let sql = format!("ALTER DATABASE {} RENAME TO {}", ident(tmp), ident(name));
    match sh.admin_sql(sql).await {
        Ok(()) => {
            sh.keep(tmp).await;
            Ok(true)
        }
        Err(e) if matches!(sqlstate(&e).as_deref(), Some("42P04" | "23505")) => Ok(false),
        Err(e) => Err(sh.err(&format!("storing the replay cache {name}"), &e)),
    }
}

/// How many recently asked-for schema.sql keys the blank database's comment remembers.
pub const RECENT: usize = 8;

/// The keys in the blank database's comment, newest first (anything else in it is ignored).
fn recent_keys(comment: Option<&str>) -> Vec<&str> {
    comment
        .unwrap_or_default()
        .split_whitespace()
        .filter(|k| is_entry(SCHEMA, k))
        .take(RECENT)
        .collect()
}

/// The comment that remembers `key` first, then up to [`RECENT`] - 1 of the earlier ones.
fn remember(comment: Option<&str>, key: &str) -> String {
    let mut keys = vec![key];
    keys.extend(recent_keys(comment).into_iter().filter(|k| *k != key));
    keys.truncate(RECENT);
    keys.join(" ")
}

/// The blank database's comment: the schema.sql keys recent runs asked for.
async fn blank_comment(sh: &Shadows, blank: &str) -> Result<Option<String>, SchemaError> {
    let rows = sh
        .admin_rows(&format!(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{blank}'"
        ))
        .await
        .map_err(|e| sh.err(&format!("reading the comment of {blank}"), &e))?;
    let mut comment = None;
    for r in rows {
        comment = r
            .try_get(0)
            .map_err(|e| sh.err(&format!("reading the comment of {blank}"), &e))?;
    }
    Ok(comment)
}

/// Whether one of the last [`RECENT`] runs asked for schema.sql entry `key` (so the same
/// schema.sql came again and is worth storing); remembers `key` either way (a failure to
/// remember only costs speed: noted).
pub async fn seen(sh: &Shadows, key: &str) -> Result<bool, SchemaError> {
    let blank = blank(sh.role());
    let comment = blank_comment(sh, &blank).await?;
    let found = recent_keys(comment.as_deref()).contains(&key);
    let updated = remember(comment.as_deref(), key);
    if !found
        && let Err(e) = sh
            .admin_sql(format!("COMMENT ON DATABASE {blank} IS '{updated}'"))
            .await
    {
        let why = describe(&e).lines().next().unwrap_or_default().to_string();
        sh.note(format!(
            "cannot comment on {blank} ({why}): schema.sql is never cached"
        ))
        .await;
    }
    Ok(found)
}

/// Drops this role's entries of kind `prefix` beyond the [`KEEP`] newest (by oid), except
/// `current`. An entry in use by another session is left in place with a note.
pub async fn prune(sh: &Shadows, prefix: &str, current: &str) -> Result<(), SchemaError> {
    let rows = sh
        .admin_rows(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'migrator\\_cache\\_%' \
             AND datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user) ORDER BY oid DESC",
        )
        .await
        .map_err(|e| sh.err("listing the cache databases", &e))?;
    let mut names = Vec::new();
    for r in rows {
        let n: String = r
            .try_get(0)
            .map_err(|e| sh.err("listing the cache databases", &e))?;
        if is_entry(prefix, &n) {
            names.push(n);
        }
    }
    for old in names.iter().skip(KEEP).filter(|n| n.as_str() != current) {
        if let Err(e) = sh
            .admin_sql(format!("DROP DATABASE IF EXISTS {}", ident(old)))
            .await
        {
            let why = describe(&e).lines().next().unwrap_or_default().to_string();
            sh.note(format!(
                "old cache database {old} was not dropped ({why}); it is dropped by a later run"
            ))
            .await;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn m(version: i64, sql: &str) -> LocalMigration {
        LocalMigration {
            replaces: Vec::new(),
            version,
            description: "x".into(),
            up_path: PathBuf::from(format!("{version}_x.up.sql")),
            up_sql: sql.into(),
            checksum: Vec::new(),
            down_path: None,
            down_sql: None,
            reversible: true,
        }
    }

    #[test]
    fn name_depends_on_every_version_and_script_in_order() {
        let a = name(
            "r",
            &[m(1, "CREATE TABLE a ();"), m(2, "CREATE TABLE b ();")],
        );
        assert!(is_entry(REPLAY, &a), "{a}");
        assert_eq!(a.len(), "migrator_cache_".len() + 16);
        assert_eq!(
            a,
            name(
                "r",
                &[m(1, "CREATE TABLE a ();"), m(2, "CREATE TABLE b ();")]
            )
        );
        for other in [
            name(
                "r",
                &[m(1, "CREATE TABLE a ();"), m(2, "CREATE TABLE c ();")],
            ),
            name(
                "r",
                &[m(1, "CREATE TABLE a ();"), m(3, "CREATE TABLE b ();")],
            ),
            name(
                "r",
                &[m(2, "CREATE TABLE b ();"), m(1, "CREATE TABLE a ();")],
            ),
            name("r", &[m(1, "CREATE TABLE a ();")]),
            // The length prefix keeps script boundaries apart.
            name("r", &[m(1, "CREATE TABLE a ();CREATE TABLE b ();")]),
            name("r", &[]),
            // Per role.
            name(
                "s",
                &[m(1, "CREATE TABLE a ();"), m(2, "CREATE TABLE b ();")],
            ),
        ] {
            assert_ne!(a, other);
        }
    }

    #[test]
    fn the_comment_remembers_the_recent_schema_keys_newest_first() {
        let k = |i: usize| schema_name("r", &format!("CREATE TABLE t{i} ();"));
        let mut comment: Option<String> = None;
        for i in 0..RECENT {
            assert!(!recent_keys(comment.as_deref()).contains(&k(i).as_str()));
            comment = Some(remember(comment.as_deref(), &k(i)));
        }
        let keys = recent_keys(comment.as_deref());
        assert_eq!(keys.len(), RECENT);
        assert_eq!(keys[0], k(RECENT - 1));
        assert_eq!(keys[RECENT - 1], k(0));
        // Asking again moves a key to the front without duplicating it.
        let again = remember(comment.as_deref(), &k(3));
        let keys = recent_keys(Some(&again));
        assert_eq!((keys.len(), keys[0]), (RECENT, k(3).as_str()));
        assert_eq!(keys.iter().filter(|x| **x == k(3)).count(), 1);
        // One more new key pushes the oldest out.
        let more = remember(comment.as_deref(), &k(RECENT));
        let keys = recent_keys(Some(&more));
        assert_eq!(keys.len(), RECENT);
        assert!(!keys.contains(&k(0).as_str()) && keys.contains(&k(1).as_str()));
        // A foreign comment (the first format, or a person's note) is ignored, not kept.
        assert_eq!(remember(Some("hello there"), &k(1)), k(1));
        assert!(recent_keys(Some("migrator_cache_0123456789abcdef")).is_empty());
    }

    #[test]
    fn only_hash_names_are_entries() {
        assert!(is_entry(REPLAY, "migrator_cache_0123456789abcdef"));
        assert!(!is_entry(REPLAY, &blank("r")) && !is_entry(SCHEMA, &blank("r")));
        assert!(blank("r").starts_with(BLANK) && blank("r") != blank("s"));
        assert!(!is_entry(REPLAY, "migrator_cache_0123456789ABCDEF"));
        assert!(!is_entry(REPLAY, "migrator_cache_0123456789abcde"));
        assert!(!is_entry(REPLAY, "migrator_shadow_1_2_3"));
        let s = schema_name("r", "CREATE TABLE t ();");
        assert!(is_entry(SCHEMA, &s) && !is_entry(REPLAY, &s), "{s}");
        assert!(!is_entry(SCHEMA, "migrator_cache_0123456789abcdef"));
        assert_ne!(s, schema_name("r", "CREATE TABLE u ();"));
        assert_eq!(s, schema_name("r", "CREATE TABLE t ();"));
        assert_ne!(s, schema_name("s", "CREATE TABLE t ();"));
    }
}
