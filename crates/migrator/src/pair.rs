//! A new `.up.sql`/`.down.sql` pair in the migrations folder, with a version no concurrent run
//! takes: the folder's exclusive lock from the scan that picks the version to the last rename,
//! plus the version reserved by its staging directory (see [`protocol::pair`], which also
//! recovers what an interrupted writer left).

use std::path::{Path, PathBuf};

use protocol::pair::{self as fsw, PairError};

use super::error::{MigratorError, dir_ref, migration_ref};
use super::files;

pub use protocol::pair::{DirLock, STAGING};

/// How many versions a writer tries when others keep taking them.
const ATTEMPTS: usize = 64;

/// A pair-writing failure as the migrator reports it.
pub fn error(e: PairError) -> MigratorError {
    if e.folder {
        MigratorError::MigrationsDir {
            dir: dir_ref(&e.path.display().to_string()),
            source: e.source,
        }
    } else if e.source.kind() == std::io::ErrorKind::InvalidInput {
        MigratorError::OutsideDir {
            file: migration_ref(&e.path),
            dir: dir_ref(&e.path.parent().unwrap_or(&e.path).display().to_string()),
        }
    } else {
        MigratorError::WriteFile {
            file: migration_ref(&e.path),
            source: e.source,
        }
    }
}

/// Locks `dir` (shared for readers, exclusive for writers), waiting for the other side.
pub fn lock(dir: &Path, exclusive: bool) -> Result<DirLock, MigratorError> {
    fsw::lock(dir, exclusive).map_err(error)
}

/// Finishes or removes what interrupted writers left in `dir`; one note per pair.
pub fn recover(dir: &Path) -> Result<Vec<String>, MigratorError> {
    fsw::recover(dir).map_err(error)
}

/// What [`write_new`] wrote, and what it recovered first.
pub struct Written {
    pub version: i64,
    pub up: PathBuf,
    pub down: PathBuf,
    pub notes: Vec<String>,
}

/// Writes `<version>_<slug>.up.sql`/`.down.sql` with the next free version; `make(version)`
/// gives the two texts. Never overwrites anything.
pub fn write_new(
    dir: &Path,
    slug: &str,
    make: impl Fn(i64) -> (String, String),
) -> Result<Written, MigratorError> {
    let dir_err = |source| MigratorError::MigrationsDir {
        dir: dir_ref(&dir.display().to_string()),
        source,
    };
    std::fs::create_dir_all(dir).map_err(dir_err)?;
    let dir = &dir.canonicalize().map_err(dir_err)?;
    let _lock = lock(dir, true)?;
    let notes = fsw::recover_locked(dir).map_err(error)?;
    let mut after = newest(dir)?;
    for _ in 0..ATTEMPTS {
        let version = next_after(dir, after)?;
        let Some(staging) = fsw::reserve(dir, version).map_err(error)? else {
            after = Some(version);
            continue;
        };
        // Reserved; a writer that did not see the lock may still have finished meanwhile.
        let now_newest = newest(dir)?;
        if now_newest.is_some_and(|n| n >= version) {
            std::fs::remove_dir(&staging).map_err(|source| MigratorError::WriteFile {
                file: migration_ref(&staging),
                source,
            })?;
            after = now_newest;
            continue;
        }
        let (up_sql, down_sql) = make(version);
        let up_name = format!("{version}_{slug}.up.sql");
        let down_name = format!("{version}_{slug}.down.sql");
        let (up, down) = fsw::write_staged(
            dir,
            &staging,
            (&up_name, up_sql.as_bytes()),
            (&down_name, down_sql.as_bytes()),
        )
        .map_err(error)?;
        return Ok(Written {
            version,
            up,
            down,
            notes,
        });
    }
    Err(MigratorError::WriteFile {
        file: dir_ref(&dir.display().to_string()),
        source: std::io::Error::other(format!(
            "no free version after {ATTEMPTS} attempts (other runs keep taking them)"
        )),
    })
}

/// Writes `up`/`down` (name, text) at `version` in place of the files named `remove` (a
/// squash), under the folder's exclusive lock: whole or not at all, and a crash leaves what
/// [`recover`] completes (see [`protocol::pair::replace_staged`]). Every file to remove must
/// still be there (the folder did not change since it was read). Returns (up, down, notes).
pub fn replace(
    dir: &Path,
    version: i64,
    (up_name, up_sql): (&str, &str),
    (down_name, down_sql): (&str, &str),
    remove: &[String],
) -> Result<(PathBuf, PathBuf, Vec<String>), MigratorError> {
    let _lock = lock(dir, true)?;
    let notes = fsw::recover_locked(dir).map_err(error)?;
    if let Some(gone) = remove.iter().map(|n| dir.join(n)).find(|p| !p.exists()) {
        return Err(MigratorError::ReadFile {
            file: migration_ref(&gone),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "removed while the squash was being made; nothing was written",
            ),
        });
    }
    let staging =
        fsw::reserve(dir, version)
            .map_err(error)?
            .ok_or_else(|| MigratorError::WriteFile {
                file: dir_ref(&dir.display().to_string()),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("version {version} is being written by another run"),
                ),
            })?;
    let (up, down) = fsw::replace_staged(
        dir,
        &staging,
        (up_name, up_sql.as_bytes()),
        (down_name, down_sql.as_bytes()),
        remove,
    )
    .map_err(error)?;
    Ok((up, down, notes))
}

fn newest(dir: &Path) -> Result<Option<i64>, MigratorError> {
    Ok(files::scan_unlocked(dir)?.iter().map(|m| m.version).max())
}

/// The next version after `after`, or the error naming the file that leaves no room.
fn next_after(dir: &Path, after: Option<i64>) -> Result<i64, MigratorError> {
    files::next_version(chrono::Utc::now(), after).ok_or_else(|| {
        let file = files::scan_unlocked(dir)
            .ok()
            .and_then(|all| all.into_iter().max_by_key(|m| m.version))
            .map(|m| migration_ref(&m.up_path))
            .unwrap_or_else(|| dir_ref(&dir.display().to_string()));
        MigratorError::NoVersionLeft {
            file,
            version: after.unwrap_or(i64::MAX),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn dir() -> tempfile::TempDir {
        match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        }
    }

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(d)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    fn stage(d: &Path, version: i64, files: &[&str], complete: bool) {
        let s = d.join(format!("{STAGING}{version}"));
        assert!(fs::create_dir(&s).is_ok());
        for f in files {
            assert!(fs::write(s.join(f), format!("-- {f}")).is_ok());
        }
        if complete {
            assert!(fs::write(s.join("complete"), "").is_ok());
        }
    }

    #[test]
    fn recovery_of_the_folder_leaves_whole_pairs_only() {
        let d = dir();
        let p = d.path();
        // Killed between the two renames: the down file is in place, the up file staged.
        stage(p, 5, &["5_a.up.sql"], true);
        assert!(fs::write(p.join("5_a.down.sql"), "-- 5_a.down.sql").is_ok());
        // Killed before any rename.
        stage(p, 6, &["6_b.up.sql", "6_b.down.sql"], true);
        // Killed while writing.
        stage(p, 7, &["7_c.up.sql"], false);
        let notes = recover(p).unwrap_or_default();
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert_eq!(
            names(p),
            vec!["5_a.down.sql", "5_a.up.sql", "6_b.down.sql", "6_b.up.sql"]
        );
        assert!(files::scan(p).is_ok_and(|m| m.len() == 2));
        assert_eq!(recover(p).map(|n| n.len()).ok(), Some(0));
    }

    #[test]
    fn pairs_are_written_whole_with_increasing_versions() {
        let d = dir();
        let p = d.path().join("m");
        let make = |v: i64| (format!("-- up {v}"), format!("-- down {v}"));
        let first = write_new(&p, "a", make);
        let second = write_new(&p, "a", make);
        let (Ok(first), Ok(second)) = (first, second) else {
            panic!("write_new failed")
        };
        assert!(second.version > first.version);
        assert_eq!(
            fs::read_to_string(&second.down).ok(),
            Some(format!("-- down {}", second.version))
        );
        assert_eq!(names(&p).len(), 4, "{:?}", names(&p));
        // An unfinished staging directory for the next version is removed, with a note.
        let next = files::next_version(chrono::Utc::now(), Some(second.version));
        let Some(next) = next else { panic!("room") };
        assert!(fs::create_dir(p.join(format!("{STAGING}{next}"))).is_ok());
        assert!(fs::write(p.join(format!("{STAGING}{next}/x")), "").is_ok());
        let third = write_new(&p, "b", make).map(|w| (w.version, w.notes.len()));
        assert!(
            matches!(third, Ok((v, 1)) if v > second.version),
            "{third:?}"
        );
    }

    #[test]
    fn no_room_after_the_largest_version() {
        let d = dir();
        let p = d.path();
        assert!(fs::write(p.join(format!("{}_top.up.sql", i64::MAX)), "").is_ok());
        let r = write_new(p, "x", |_| (String::new(), String::new()));
        assert!(matches!(r, Err(MigratorError::NoVersionLeft { .. })));
        assert_eq!(names(p).len(), 1);
    }
}
