//! Writing a new `.up.sql`/`.down.sql` pair so that it appears whole or not at all, with a
//! version no concurrent run takes too, and recovering what an interrupted run left.
//!
//! - The folder is locked (`flock` on the directory itself, so no lock file is left in it):
//!   exclusively by a writer from the scan that picks the version to the last rename, shared
//!   by readers ([`super::files::scan`]), so no migrator ever sees a pair half-renamed.
//! - The version is also reserved by creating the staging directory
//!   `.migrator-pair-<VERSION>` (create-new), and the folder is scanned again once it is
//!   reserved: two writers never share a version even where locks do not work.
//! - Both files are written and synced inside the staging directory, then a `complete`
//!   marker; the down file is renamed into place first, then the up file (an `.up.sql` is what
//!   `migrate` would run, so it never shows without its down file).
//! - [`recover`] (run by every command before it reads the folder) finishes a complete
//!   staging directory (a kill between the renames) and removes an incomplete one (a kill
//!   while writing: nothing of it was visible). Directories are never read as migrations.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::MigratorError;
use super::files;

/// Prefix of the staging directories.
pub const STAGING: &str = ".migrator-pair-";
const MARKER: &str = "complete";
/// How many versions a writer tries when others keep taking them.
const ATTEMPTS: usize = 64;

/// The folder lock; released when dropped.
pub struct DirLock(#[allow(dead_code)] fs::File);

/// Locks `dir` (shared for readers, exclusive for writers), waiting for the other side.
pub fn lock(dir: &Path, exclusive: bool) -> Result<DirLock, MigratorError> {
    let err = |source| MigratorError::MigrationsDir {
        path: dir.to_path_buf(),
        source,
    };
    let file = fs::File::open(dir).map_err(err)?;
    if exclusive {
        file.lock().map_err(err)?;
    } else {
        file.lock_shared().map_err(err)?;
    }
    Ok(DirLock(file))
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> MigratorError + '_ {
    move |source| MigratorError::WriteFile {
        path: path.to_path_buf(),
        source,
    }
}

/// The staging directories in `dir` (none when `dir` does not exist).
fn staging_dirs(dir: &Path) -> Result<Vec<PathBuf>, MigratorError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(MigratorError::MigrationsDir {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| MigratorError::MigrationsDir {
            path: dir.to_path_buf(),
            source,
        })?;
        if entry.file_name().to_string_lossy().starts_with(STAGING) {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Finishes or removes what interrupted writers left in `dir`; returns one note per pair for
/// the user. Takes the exclusive lock only when there is something to do.
pub fn recover(dir: &Path) -> Result<Vec<String>, MigratorError> {
    if staging_dirs(dir)?.is_empty() {
        return Ok(Vec::new());
    }
    let _lock = lock(dir, true)?;
    recover_locked(dir)
}

fn recover_locked(dir: &Path) -> Result<Vec<String>, MigratorError> {
    let mut notes = Vec::new();
    for staging in staging_dirs(dir)? {
        if !staging.is_dir() {
            fs::remove_file(&staging).map_err(write_err(&staging))?;
            continue;
        }
        let mut names: Vec<PathBuf> = fs::read_dir(&staging)
            .map_err(write_err(&staging))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().is_some_and(|n| n != MARKER))
            .collect();
        // Down files first, as the writer does.
        names.sort_by_key(|p| !p.to_string_lossy().ends_with(".down.sql"));
        if !staging.join(MARKER).exists() {
            fs::remove_dir_all(&staging).map_err(write_err(&staging))?;
            notes.push(format!(
                "removed {}: a makemigrations was interrupted while writing it (none of its files were in the folder)",
                staging.display()
            ));
            continue;
        }
        let mut conflict = None;
        for file in &names {
            let Some(name) = file.file_name() else {
                continue;
            };
            let target = dir.join(name);
            if !target.exists() {
                fs::rename(file, &target).map_err(write_err(&target))?;
            } else if fs::read(&target).ok() != fs::read(file).ok() {
                conflict = Some(target);
            }
        }
        if let Some(target) = conflict {
            notes.push(format!(
                "left {} in place: {} exists with other contents (compare them, then delete the staging folder)",
                staging.display(),
                target.display()
            ));
            continue;
        }
        sync_dir(dir)?;
        fs::remove_dir_all(&staging).map_err(write_err(&staging))?;
        let shown: Vec<String> = names
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        notes.push(format!(
            "completed the migration pair {} that an interrupted makemigrations had written",
            shown.join(" + ")
        ));
    }
    Ok(notes)
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
        path: dir.to_path_buf(),
        source,
    };
    fs::create_dir_all(dir).map_err(dir_err)?;
    let dir = &dir.canonicalize().map_err(dir_err)?;
    let _lock = lock(dir, true)?;
    let notes = recover_locked(dir)?;
    let mut after = newest(dir)?;
    for _ in 0..ATTEMPTS {
        let version = next_after(dir, after)?;
        let staging = dir.join(format!("{STAGING}{version}"));
        match fs::create_dir(&staging) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                after = Some(version);
                continue;
            }
            Err(source) => return Err(write_err(&staging)(source)),
        }
        // Reserved; a writer that did not see the lock may still have finished meanwhile.
        let now_newest = newest(dir)?;
        if now_newest.is_some_and(|n| n >= version) {
            fs::remove_dir(&staging).map_err(write_err(&staging))?;
            after = now_newest;
            continue;
        }
        let (up_sql, down_sql) = make(version);
        let result = write_staged(dir, &staging, version, slug, &up_sql, &down_sql);
        let (up, down) = match result {
            Ok(paths) => paths,
            Err(e) => {
                // Nothing of it is in the folder. If the staging directory cannot be removed
                // either, the next run's recovery removes it (it has no marker, or its files
                // were taken back); the write error is the one to report.
                if fs::remove_dir_all(&staging).is_err() {
                    tracing::debug!("could not remove {}", staging.display());
                }
                return Err(e);
            }
        };
        return Ok(Written {
            version,
            up,
            down,
            notes,
        });
    }
    Err(MigratorError::WriteFile {
        path: dir.to_path_buf(),
        source: std::io::Error::other(format!(
            "no free version after {ATTEMPTS} attempts (other runs keep taking them)"
        )),
    })
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
            .map(|m| m.up_path.display().to_string())
            .unwrap_or_default();
        MigratorError::NoVersionLeft {
            file,
            version: after.unwrap_or(i64::MAX),
        }
    })
}

fn write_staged(
    dir: &Path,
    staging: &Path,
    version: i64,
    slug: &str,
    up_sql: &str,
    down_sql: &str,
) -> Result<(PathBuf, PathBuf), MigratorError> {
    let up_name = format!("{version}_{slug}.up.sql");
    let down_name = format!("{version}_{slug}.down.sql");
    let (up, down) = (dir.join(&up_name), dir.join(&down_name));
    for p in [&up, &down] {
        if p.parent() != Some(dir) {
            return Err(MigratorError::OutsideDir {
                path: p.clone(),
                dir: dir.to_path_buf(),
            });
        }
        if p.symlink_metadata().is_ok() {
            return Err(write_err(p)(std::io::ErrorKind::AlreadyExists.into()));
        }
    }
    create_synced(&staging.join(&up_name), up_sql)?;
    create_synced(&staging.join(&down_name), down_sql)?;
    create_synced(&staging.join(MARKER), "")?;
    sync_dir(staging)?;
    // Under the exclusive lock, and the names were checked free just now.
    fs::rename(staging.join(&down_name), &down).map_err(write_err(&down))?;
    if let Err(source) = fs::rename(staging.join(&up_name), &up) {
        // Take the down file back out: the pair is either whole or absent.
        return match fs::rename(&down, staging.join(&down_name)) {
            Ok(()) => Err(write_err(&up)(source)),
            Err(back) => Err(write_err(&down)(back)),
        };
    }
    sync_dir(dir)?;
    fs::remove_dir_all(staging).map_err(write_err(staging))?;
    Ok((up, down))
}

fn create_synced(path: &Path, contents: &str) -> Result<(), MigratorError> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(write_err(path))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(write_err(path))
}

fn sync_dir(dir: &Path) -> Result<(), MigratorError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(write_err(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(fs::write(s.join(MARKER), "").is_ok());
        }
    }

    #[test]
    fn recovery_finishes_complete_pairs_and_removes_incomplete_ones() {
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
