//! The migrations folder: scanning, parsing file names the way sqlx does, checksums, slugs,
//! versions and create-new writing. Pure apart from the file-system calls.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha384};

use super::error::{MigratorError, migration_ref};

/// One migration version as found on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalMigration {
    pub version: i64,
    /// As sqlx derives it: the file name after `<VERSION>_`, suffix removed, `_` → space.
    pub description: String,
    /// `.up.sql` (reversible) or `.sql` (simple, irreversible).
    pub up_path: PathBuf,
    pub up_sql: String,
    /// SHA-384 of the up file's bytes (what sqlx records in `_sqlx_migrations.checksum`).
    pub checksum: Vec<u8>,
    pub down_path: Option<PathBuf>,
    pub down_sql: Option<String>,
    pub reversible: bool,
    /// A squash (`-- admin:replaces` lines in its header): every replaced version with the
    /// SHA-384 of its up file as it was; empty for an ordinary migration.
    pub replaces: Vec<(i64, Vec<u8>)>,
}

impl LocalMigration {
    /// `-- no-transaction` as the very first bytes (sqlx's rule).
    pub fn up_no_tx(&self) -> bool {
        is_no_tx(&self.up_sql)
    }
}

pub fn is_no_tx(sql: &str) -> bool {
    sql.starts_with("-- no-transaction")
}

/// The header directive of a squash: `-- admin:replaces <version> <SHA-384 in hex>`.
pub const REPLACES: &str = "-- admin:replaces";

/// The versions a squash replaces, with the checksum each up file had, from the directives in
/// the file's leading comment block (lines that are blank or start with `--`; the first other
/// line ends it). A malformed directive is an error naming the file and its line.
pub fn parse_replaces(path: &Path, sql: &str) -> Result<Vec<(i64, Vec<u8>)>, MigratorError> {
    let mut out: Vec<(i64, Vec<u8>)> = Vec::new();
    for (i, line) in sql.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if !(line.trim().is_empty() || line.starts_with("--")) {
            break;
        }
        let Some(rest) = line.strip_prefix(REPLACES) else {
            continue;
        };
        let bad = |why: &str| {
            MigratorError::from(crate::squash::SquashError::BadReplaces {
                file: migration_ref(path).at(i + 1, 1),
                why: why.to_string(),
            })
        };
        let mut words = rest.split_whitespace();
        let (Some(version), Some(hex), None) = (words.next(), words.next(), words.next()) else {
            return Err(bad(
                "expected `-- admin:replaces <VERSION> <SHA-384 in hex>`",
            ));
        };
        let version: i64 = version
            .parse()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or_else(|| bad("the version is not a number"))?;
        let checksum = from_hex(hex)
            .filter(|c| c.len() == 48)
            .ok_or_else(|| bad("the checksum is not 96 hexadecimal digits (SHA-384)"))?;
        if out.iter().any(|(v, _)| *v == version) {
            return Err(bad("the version is listed twice"));
        }
        out.push((version, checksum));
    }
    Ok(out)
}

/// Lowercase hexadecimal of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// SHA-384 of the SQL text, as sqlx computes it.
pub fn checksum(sql: &str) -> Vec<u8> {
    Sha384::digest(sql.as_bytes()).to_vec()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Up,
    Down,
    Simple,
}

/// Reads every migration of `dir`, sorted by version. Files that sqlx would ignore (no `_`, not
/// `.sql`) are ignored; names sqlx would reject, duplicates and orphan down files are errors.
/// Holds the folder's shared lock meanwhile, so a pair being written is never seen half-way.
pub fn scan(dir: &Path) -> Result<Vec<LocalMigration>, MigratorError> {
    let _lock = super::pair::lock(dir, false)?;
    scan_unlocked(dir)
}

/// [`scan`] for a caller that holds the folder's lock already.
pub fn scan_unlocked(dir: &Path) -> Result<Vec<LocalMigration>, MigratorError> {
    let dir_err = |source| MigratorError::MigrationsDir {
        dir: crate::error::dir_ref(&dir.display().to_string()),
        source,
    };
    let entries = fs::read_dir(dir).map_err(dir_err)?;
    let mut raw = Vec::new();
    for entry in entries {
        let entry = entry.map_err(dir_err)?;
        let path = entry.path();
        let meta = fs::metadata(&path).map_err(|source| MigratorError::ReadFile {
            file: migration_ref(&path),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !meta.is_file() || !is_candidate(&name) {
            continue;
        }
        let bytes = fs::read(&path).map_err(|source| MigratorError::ReadFile {
            file: migration_ref(&path),
            source,
        })?;
        raw.push((path, bytes));
    }
    parse(raw)
}

/// The migrations of a file bundle (admin's), shown under the folder name the bundle gives.
pub fn from_bundle(
    bundle: &protocol::bundle::Bundle,
) -> Result<Vec<LocalMigration>, MigratorError> {
    let dir = Path::new(&bundle.migrations_dir);
    let raw = bundle
        .migrations
        .iter()
        .filter(|f| is_candidate(&f.name))
        .map(|f| (dir.join(&f.name), f.bytes.clone()))
        .collect();
    parse(raw)
}

/// A name sqlx would look at: `<something>_<something>.sql`.
fn is_candidate(name: &str) -> bool {
    name.split_once('_')
        .is_some_and(|(_, rest)| rest.ends_with(".sql"))
}

/// Migrations from (path, bytes) of the candidate files, with sqlx's naming rules.
fn parse(raw: Vec<(PathBuf, Vec<u8>)>) -> Result<Vec<LocalMigration>, MigratorError> {
    struct Part {
        description: String,
        path: PathBuf,
        sql: String,
    }
    let mut ups: BTreeMap<i64, (Part, Kind)> = BTreeMap::new();
    let mut downs: BTreeMap<i64, Part> = BTreeMap::new();
    for (path, bytes) in raw {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some((version, rest)) = name.split_once('_') else {
            continue;
        };
        let version: i64 = version.parse().map_err(|_| MigratorError::BadFileName {
            file: migration_ref(&path),
        })?;
        let (kind, stem) = if let Some(s) = rest.strip_suffix(".up.sql") {
            (Kind::Up, s)
        } else if let Some(s) = rest.strip_suffix(".down.sql") {
            (Kind::Down, s)
        } else {
            (Kind::Simple, rest.trim_end_matches(".sql"))
        };
        let sql = String::from_utf8(bytes).map_err(|_| MigratorError::NotUtf8 {
            file: migration_ref(&path),
        })?;
        let part = Part {
            description: stem.replace('_', " "),
            path: path.clone(),
            sql,
        };
        let clash = match kind {
            Kind::Down => downs.insert(version, part).map(|p| p.path),
            Kind::Up | Kind::Simple => ups.insert(version, (part, kind)).map(|(p, _)| p.path),
        };
        if let Some(other) = clash {
            return Err(MigratorError::DuplicateVersion {
                version,
                first: migration_ref(&other),
                second: migration_ref(&path),
            });
        }
    }
    let mut out = Vec::with_capacity(ups.len());
    for (version, (up, kind)) in ups {
        let down = downs.remove(&version);
        if kind == Kind::Simple
            && let Some(d) = &down
        {
            return Err(MigratorError::DuplicateVersion {
                version,
                first: migration_ref(&up.path),
                second: migration_ref(&d.path),
            });
        }
        let replaces = parse_replaces(&up.path, &up.sql)?;
        out.push(LocalMigration {
            replaces,
            version,
            description: up.description,
            checksum: checksum(&up.sql),
            up_path: up.path,
            up_sql: up.sql,
            down_path: down.as_ref().map(|d| d.path.clone()),
            down_sql: down.map(|d| d.sql),
            reversible: kind == Kind::Up,
        });
    }
    if let Some((_, orphan)) = downs.into_iter().next() {
        return Err(MigratorError::OrphanDown {
            file: migration_ref(&orphan.path),
        });
    }
    Ok(out)
}

/// File-name slug: lowercase `[a-z0-9_]`, runs of anything else collapsed to one `_`, trimmed,
/// at most 60 characters, `migration` if nothing is left.
pub fn slugify(message: &str) -> String {
    let mut slug = String::with_capacity(message.len().min(60));
    let mut pending_sep = false;
    for c in message.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if pending_sep && !slug.is_empty() {
                slug.push('_');
            }
            pending_sep = false;
            slug.push(c);
        } else {
            pending_sep = true;
        }
        if slug.len() >= 60 {
            break;
        }
    }
    slug.truncate(60);
    let trimmed = slug.trim_end_matches('_');
    if trimmed.is_empty() {
        "migration".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The next version: the current UTC time as `YYYYMMDDHHMMSS`, or one second after the newest
/// existing version when the clock is not ahead of it (monotonic, never equal). None when the
/// newest version is the largest 64-bit integer: no version is left after it.
pub fn next_version(now: chrono::DateTime<chrono::Utc>, newest: Option<i64>) -> Option<i64> {
    let stamp = |t: chrono::NaiveDateTime| -> Option<i64> {
        t.format("%Y%m%d%H%M%S").to_string().parse().ok()
    };
    let candidate = stamp(now.naive_utc());
    match (newest, candidate) {
        (Some(n), Some(c)) if n < c => Some(c),
        (None, c) => c,
        (Some(n), _) => {
            let bumped = chrono::NaiveDateTime::parse_from_str(&n.to_string(), "%Y%m%d%H%M%S")
                .ok()
                .and_then(|t| t.checked_add_signed(chrono::TimeDelta::seconds(1)))
                .and_then(stamp);
            match bumped {
                Some(b) if b > n => Some(b),
                _ => n.checked_add(1),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Add users"), "add_users");
        assert_eq!(slugify("  add -- Users' e-mail!! "), "add_users_e_mail");
        assert_eq!(slugify("../../etc/passwd"), "etc_passwd");
        assert_eq!(slugify("!!!"), "migration");
        assert_eq!(slugify(""), "migration");
        assert_eq!(slugify("Ünïcødé names"), "n_c_d_names");
        assert_eq!(slugify(&"x".repeat(100)).len(), 60);
        assert_eq!(slugify(&format!("{} y", "a".repeat(59))), "a".repeat(59));
    }

    proptest! {
        #[test]
        fn slug_is_always_safe(msg in "\\PC*") {
            let s = slugify(&msg);
            prop_assert!(!s.is_empty() && s.len() <= 60);
            prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
            prop_assert!(!s.starts_with('_') && !s.ends_with('_') && !s.contains("__"));
        }
    }

    #[test]
    fn versions_are_monotonic() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).single();
        let Some(now) = now else { panic!("valid date") };
        assert_eq!(next_version(now, None), Some(20261122030000));
        assert_eq!(
            next_version(now, Some(20200101000000)),
            Some(20261122030000)
        );
        assert_eq!(
            next_version(now, Some(20261122030000)),
            Some(20261122030001)
        );
        assert_eq!(
            next_version(now, Some(20261122235959)),
            Some(20261123000000)
        );
        // Not a timestamp (e.g. sqlx sequential versions far ahead): plain +1.
        assert_eq!(
            next_version(now, Some(99999999999999)),
            Some(100000000000000)
        );
        // Nothing is left after the largest 64-bit integer.
        assert_eq!(next_version(now, Some(i64::MAX - 1)), Some(i64::MAX));
        assert_eq!(next_version(now, Some(i64::MAX)), None);
    }

    #[test]
    fn replaces_directives_are_read_from_the_header_only() {
        let sum = to_hex(&checksum("x"));
        let path = Path::new("/m/3_squash.up.sql");
        let sql = format!(
            "-- up: squash\n-- admin:replaces 1 {sum}\r\n\n-- admin:replaces 3 {}\nCREATE TABLE t ();\n-- admin:replaces 9 zz\n",
            sum.to_uppercase()
        );
        let found = parse_replaces(path, &sql).map_err(|e| e.to_string());
        assert_eq!(found, Ok(vec![(1, checksum("x")), (3, checksum("x"))]));
        assert_eq!(
            parse_replaces(path, "CREATE TABLE t ();").map_err(|e| e.to_string()),
            Ok(vec![])
        );
        for (bad, why) in [
            (
                "-- admin:replaces 1".to_string(),
                "expected `-- admin:replaces",
            ),
            (format!("-- admin:replaces x {sum}"), "not a number"),
            ("-- admin:replaces 1 abc".to_string(), "not 96 hexadecimal"),
            (format!("-- admin:replaces 1 {sum} extra"), "expected"),
            (
                format!("-- admin:replaces 1 {sum}\n-- admin:replaces 1 {sum}"),
                "listed twice",
            ),
        ] {
            let err =
                parse_replaces(path, &format!("-- up: s\n{bad}\n")).map_err(|e| e.to_string());
            let Err(msg) = err else {
                panic!("{bad}: accepted")
            };
            assert!(msg.contains(why), "{bad}: {msg}");
            assert!(
                msg.contains("/m/3_squash.up.sql:"),
                "{bad}: names the file and line: {msg}"
            );
        }
        let line = parse_replaces(path, "--\n\n-- admin:replaces q r\n").map_err(|e| e.to_string());
        assert!(line.is_err_and(|m| m.contains("3_squash.up.sql:3")));
    }

    #[test]
    fn scan_parses_like_sqlx_and_rejects_bad_names() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { panic!("tempdir") };
        let p = dir.path();
        let write =
            |name: &str, body: &str| fs::write(p.join(name), body).map_err(|e| e.to_string());
        assert_eq!(write("1_create_users.up.sql", "create table u();"), Ok(()));
        assert_eq!(write("1_create_users.down.sql", "drop table u;"), Ok(()));
        assert_eq!(
            write("2_simple.sql", "-- no-transaction\nselect 1;"),
            Ok(())
        );
        assert_eq!(write("README.md", "ignored"), Ok(()));
        let found = scan(p).map_err(|e| e.to_string());
        let Ok(found) = found else {
            panic!("{found:?}")
        };
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].description, "create users");
        assert!(found[0].reversible && found[0].down_sql.is_some());
        assert!(!found[1].reversible && found[1].up_no_tx());
        assert_eq!(found[0].checksum, checksum("create table u();"));

        assert_eq!(write("x_bad.sql", ""), Ok(()));
        assert!(matches!(scan(p), Err(MigratorError::BadFileName { .. })));
        assert_eq!(
            fs::remove_file(p.join("x_bad.sql")).map_err(|e| e.to_string()),
            Ok(())
        );
        assert_eq!(write("1_other.up.sql", ""), Ok(()));
        assert!(matches!(
            scan(p),
            Err(MigratorError::DuplicateVersion { version: 1, .. })
        ));
        assert_eq!(
            fs::remove_file(p.join("1_other.up.sql")).map_err(|e| e.to_string()),
            Ok(())
        );
        assert_eq!(write("3_orphan.down.sql", ""), Ok(()));
        assert!(matches!(scan(p), Err(MigratorError::OrphanDown { .. })));
    }
}
