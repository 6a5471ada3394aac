//! The migrations folder: scanning, parsing file names the way sqlx does, checksums, slugs,
//! versions and create-new writing. Pure apart from the file-system calls.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha384};

use super::error::MigratorError;

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
pub fn scan(dir: &Path) -> Result<Vec<LocalMigration>, MigratorError> {
    let entries = fs::read_dir(dir).map_err(|source| MigratorError::MigrationsDir {
        path: dir.to_path_buf(),
        source,
    })?;
    struct Part {
        description: String,
        path: PathBuf,
        sql: String,
    }
    let mut ups: BTreeMap<i64, (Part, Kind)> = BTreeMap::new();
    let mut downs: BTreeMap<i64, Part> = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|source| MigratorError::MigrationsDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let meta = fs::metadata(&path).map_err(|source| MigratorError::ReadFile {
            path: path.clone(),
            source,
        })?;
        if !meta.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((version, rest)) = name.split_once('_') else {
            continue;
        };
        if !rest.ends_with(".sql") {
            continue;
        }
        let version: i64 = version
            .parse()
            .map_err(|_| MigratorError::BadFileName { path: path.clone() })?;
        let (kind, stem) = if let Some(s) = rest.strip_suffix(".up.sql") {
            (Kind::Up, s)
        } else if let Some(s) = rest.strip_suffix(".down.sql") {
            (Kind::Down, s)
        } else {
            (Kind::Simple, rest.trim_end_matches(".sql"))
        };
        let bytes = fs::read(&path).map_err(|source| MigratorError::ReadFile {
            path: path.clone(),
            source,
        })?;
        let sql =
            String::from_utf8(bytes).map_err(|_| MigratorError::NotUtf8 { path: path.clone() })?;
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
                first: other,
                second: path,
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
                first: up.path,
                second: d.path.clone(),
            });
        }
        out.push(LocalMigration {
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
        return Err(MigratorError::OrphanDown { path: orphan.path });
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
/// existing version when the clock is not ahead of it (monotonic, never equal).
pub fn next_version(now: chrono::DateTime<chrono::Utc>, newest: Option<i64>) -> i64 {
    let stamp = |t: chrono::NaiveDateTime| -> i64 {
        t.format("%Y%m%d%H%M%S")
            .to_string()
            .parse()
            .unwrap_or(i64::MAX)
    };
    let candidate = stamp(now.naive_utc());
    match newest {
        Some(n) if n >= candidate => {
            let bumped = chrono::NaiveDateTime::parse_from_str(&n.to_string(), "%Y%m%d%H%M%S")
                .ok()
                .and_then(|t| t.checked_add_signed(chrono::TimeDelta::seconds(1)))
                .map(stamp);
            match bumped {
                Some(b) if b > n => b,
                _ => n.saturating_add(1),
            }
        }
        _ => candidate,
    }
}

/// Writes `<version>_<slug>.up.sql` and `.down.sql` with create-new semantics. If the second
/// file cannot be written the first is removed again: nothing is left half-written.
pub fn write_pair(
    dir: &Path,
    version: i64,
    slug: &str,
    up: &str,
    down: &str,
) -> Result<(PathBuf, PathBuf), MigratorError> {
    fs::create_dir_all(dir).map_err(|source| MigratorError::MigrationsDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let canonical = dir
        .canonicalize()
        .map_err(|source| MigratorError::MigrationsDir {
            path: dir.to_path_buf(),
            source,
        })?;
    let up_path = canonical.join(format!("{version}_{slug}.up.sql"));
    let down_path = canonical.join(format!("{version}_{slug}.down.sql"));
    for p in [&up_path, &down_path] {
        if p.parent() != Some(canonical.as_path()) {
            return Err(MigratorError::OutsideDir {
                path: p.clone(),
                dir: canonical.clone(),
            });
        }
    }
    create_new(&up_path, up)?;
    if let Err(e) = create_new(&down_path, down) {
        return match fs::remove_file(&up_path) {
            Ok(()) => Err(e),
            Err(source) => Err(MigratorError::WriteFile {
                path: up_path,
                source,
            }),
        };
    }
    Ok((up_path, down_path))
}

fn create_new(path: &Path, contents: &str) -> Result<(), MigratorError> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|source| MigratorError::WriteFile {
            path: path.to_path_buf(),
            source,
        })?;
    let result = file
        .write_all(contents.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(source) = result {
        drop(file);
        // The partial file is ours (create_new); removing it keeps the folder clean.
        return match fs::remove_file(path) {
            Ok(()) => Err(MigratorError::WriteFile {
                path: path.to_path_buf(),
                source,
            }),
            Err(rm) => Err(MigratorError::WriteFile {
                path: path.to_path_buf(),
                source: rm,
            }),
        };
    }
    Ok(())
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
        assert_eq!(next_version(now, None), 20261122030000);
        assert_eq!(next_version(now, Some(20200101000000)), 20261122030000);
        assert_eq!(next_version(now, Some(20261122030000)), 20261122030001);
        assert_eq!(next_version(now, Some(20261122235959)), 20261123000000);
        // Not a timestamp (e.g. sqlx sequential versions far ahead): plain +1.
        assert_eq!(next_version(now, Some(99999999999999)), 100000000000000);
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

    #[test]
    fn write_pair_never_overwrites() {
        let Ok(dir) = tempfile::tempdir() else {
            panic!("tempdir")
        };
        let first = write_pair(dir.path(), 5, "a", "up", "down");
        assert!(first.is_ok());
        assert!(fs::write(dir.path().join("6_b.down.sql"), "keep").is_ok());
        let second = write_pair(dir.path(), 6, "b", "up2", "down2");
        assert!(matches!(second, Err(MigratorError::WriteFile { .. })));
        // The up file of the failed pair was removed, the existing down file kept.
        assert!(!dir.path().join("6_b.up.sql").exists());
        assert_eq!(
            fs::read_to_string(dir.path().join("6_b.down.sql"))
                .ok()
                .as_deref(),
            Some("keep")
        );
    }
}
