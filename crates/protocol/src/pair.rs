//! Writing a migration pair so that it appears whole or not at all, and recovering what an
//! interrupted writer left: shared by the migrator (writing into its folder) and admin (writing
//! a generated pair into the host's folder), so both agree on the staging scheme.
//!
//! - The folder is locked (`flock` on the directory itself, so no lock file is left in it):
//!   exclusively by a writer, shared by readers, so nobody ever sees a pair half-renamed.
//! - The version is also reserved by creating the staging directory
//!   `.migrator-pair-<VERSION>` (create-new): two writers never share a version even where
//!   locks do not work.
//! - Both files are written and synced inside the staging directory, then a `complete`
//!   marker; the down file is renamed into place first, then the up file (an `.up.sql` is what
//!   `migrate` would run, so it never shows without its down file).
//! - [`recover`] (run before reading the folder) finishes a complete staging directory (a kill
//!   between the renames) and removes an incomplete one (a kill while writing: nothing of it
//!   was visible). Directories are never read as migrations.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Prefix of the staging directories.
pub const STAGING: &str = ".migrator-pair-";
const MARKER: &str = "complete";
/// In the staging directory of a replacing write ([`replace_staged`]): the new names and the
/// names they replace, one `new\t<name>` / `remove\t<name>` line each.
const REPLACE: &str = "replace";

/// An I/O failure on a path of the folder (`folder`: the folder itself could not be read).
#[derive(Debug)]
pub struct PairError {
    pub path: PathBuf,
    pub folder: bool,
    pub source: std::io::Error,
}

impl std::fmt::Display for PairError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for PairError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

fn on(path: &Path) -> impl Fn(std::io::Error) -> PairError + '_ {
    move |source| PairError {
        path: path.to_path_buf(),
        folder: false,
        source,
    }
}

fn on_folder(dir: &Path) -> impl Fn(std::io::Error) -> PairError + '_ {
    move |source| PairError {
        path: dir.to_path_buf(),
        folder: true,
        source,
    }
}

/// The folder lock; released when dropped.
pub struct DirLock(#[allow(dead_code)] fs::File);

/// Locks `dir` (shared for readers, exclusive for writers), waiting for the other side.
pub fn lock(dir: &Path, exclusive: bool) -> Result<DirLock, PairError> {
    let file = fs::File::open(dir).map_err(on_folder(dir))?;
    if exclusive {
        file.lock().map_err(on_folder(dir))?;
    } else {
        file.lock_shared().map_err(on_folder(dir))?;
    }
    Ok(DirLock(file))
}

/// The staging directories in `dir` (none when `dir` does not exist).
fn staging_dirs(dir: &Path) -> Result<Vec<PathBuf>, PairError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(on_folder(dir)(source)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(on_folder(dir))?;
        if entry.file_name().to_string_lossy().starts_with(STAGING) {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Finishes or removes what interrupted writers left in `dir`; returns one note per pair for
/// the user. Takes the exclusive lock only when there is something to do.
pub fn recover(dir: &Path) -> Result<Vec<String>, PairError> {
    if staging_dirs(dir)?.is_empty() {
        return Ok(Vec::new());
    }
    let _lock = lock(dir, true)?;
    recover_locked(dir)
}

pub fn recover_locked(dir: &Path) -> Result<Vec<String>, PairError> {
    let mut notes = Vec::new();
    for staging in staging_dirs(dir)? {
        if !staging.is_dir() {
            fs::remove_file(&staging).map_err(on(&staging))?;
            continue;
        }
        let mut names: Vec<PathBuf> = fs::read_dir(&staging)
            .map_err(on(&staging))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().is_some_and(|n| n != MARKER))
            .collect();
        // Down files first, as the writer does.
        names.sort_by_key(|p| !p.to_string_lossy().ends_with(".down.sql"));
        if staging.join(REPLACE).exists() && staging.join(MARKER).exists() {
            let placed = finish_replace(dir, &staging)?;
            notes.push(format!(
                "completed the squash {} that an interrupted squash had written (the replaced files are gone)",
                placed.join(" + ")
            ));
            continue;
        }
        if !staging.join(MARKER).exists() {
            fs::remove_dir_all(&staging).map_err(on(&staging))?;
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
                fs::rename(file, &target).map_err(on(&target))?;
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
        fs::remove_dir_all(&staging).map_err(on(&staging))?;
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

/// Creates the staging directory that reserves `version`; false when it exists (another
/// writer holds the version).
pub fn reserve(dir: &Path, version: i64) -> Result<Option<PathBuf>, PairError> {
    let staging = dir.join(format!("{STAGING}{version}"));
    match fs::create_dir(&staging) {
        Ok(()) => Ok(Some(staging)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(source) => Err(on(&staging)(source)),
    }
}

/// Writes the pair through `staging` (reserved by [`reserve`]) into `dir` (under its
/// exclusive lock), whole or not at all; never overwrites a file (names that exist are an
/// `AlreadyExists` error) and never writes outside `dir` (a name with a path separator is an
/// `InvalidInput` error). Returns (up, down) paths. On error, `staging` is removed.
pub fn write_staged(
    dir: &Path,
    staging: &Path,
    (up_name, up_sql): (&str, &[u8]),
    (down_name, down_sql): (&str, &[u8]),
) -> Result<(PathBuf, PathBuf), PairError> {
    let result = write_through(dir, staging, (up_name, up_sql), (down_name, down_sql));
    if result.is_err() && fs::remove_dir_all(staging).is_err() {
        // The next run's recovery removes it (no marker, or its files were taken back); the
        // write error is the one to report.
        tracing::debug!("could not remove {}", staging.display());
    }
    result
}

fn write_through(
    dir: &Path,
    staging: &Path,
    (up_name, up_sql): (&str, &[u8]),
    (down_name, down_sql): (&str, &[u8]),
) -> Result<(PathBuf, PathBuf), PairError> {
    let (up, down) = (dir.join(up_name), dir.join(down_name));
    for p in [&up, &down] {
        if p.parent() != Some(dir)
            || p.file_name()
                .is_none_or(|n| n.to_string_lossy().contains(['/', '\\']))
        {
            return Err(on(p)(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the name would leave the migrations folder",
            )));
        }
        if p.symlink_metadata().is_ok() {
            return Err(on(p)(std::io::ErrorKind::AlreadyExists.into()));
        }
    }
    create_synced(&staging.join(up_name), up_sql)?;
    create_synced(&staging.join(down_name), down_sql)?;
    create_synced(&staging.join(MARKER), b"")?;
    sync_dir(staging)?;
    // Under the exclusive lock, and the names were checked free just now.
    fs::rename(staging.join(down_name), &down).map_err(on(&down))?;
    if let Err(source) = fs::rename(staging.join(up_name), &up) {
        // Take the down file back out: the pair is either whole or absent.
        return match fs::rename(&down, staging.join(down_name)) {
            Ok(()) => Err(on(&up)(source)),
            Err(back) => Err(on(&down)(back)),
        };
    }
    sync_dir(dir)?;
    fs::remove_dir_all(staging).map_err(on(staging))?;
    Ok((up, down))
}

/// A plain file name of the folder (no separator, not `.`/`..`): what may be written or removed.
fn plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\'])
}

/// Writes the pair through `staging` (reserved by [`reserve`]) into `dir` (under its
/// exclusive lock) in place of the files named `remove` (a squash: the pair takes the version
/// of one of them, maybe with another slug). The new files, the list of names and the marker
/// are staged and synced first; then the listed files are removed and the new ones renamed in,
/// down first. [`recover`], which every reader runs first, finishes a complete staging
/// directory the same way, so a reader sees the old files or the new pair, never both, never
/// neither. A new name may only exist already when it is one of `remove`.
pub fn replace_staged(
    dir: &Path,
    staging: &Path,
    (up_name, up_sql): (&str, &[u8]),
    (down_name, down_sql): (&str, &[u8]),
    remove: &[String],
) -> Result<(PathBuf, PathBuf), PairError> {
    let staged = (|| {
        for name in [up_name, down_name]
            .into_iter()
            .chain(remove.iter().map(String::as_str))
        {
            if !plain_name(name) {
                return Err(on(&dir.join(name))(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "the name would leave the migrations folder",
                )));
            }
        }
        for name in [up_name, down_name] {
            let p = dir.join(name);
            if p.symlink_metadata().is_ok() && !remove.iter().any(|r| r == name) {
                return Err(on(&p)(std::io::ErrorKind::AlreadyExists.into()));
            }
        }
        let mut list = format!("new\t{down_name}\nnew\t{up_name}\n");
        for r in remove {
            list.push_str(&format!("remove\t{r}\n"));
        }
        create_synced(&staging.join(up_name), up_sql)?;
        create_synced(&staging.join(down_name), down_sql)?;
        create_synced(&staging.join(REPLACE), list.as_bytes())?;
        create_synced(&staging.join(MARKER), b"")?;
        sync_dir(staging)
    })();
    if let Err(e) = staged {
        if fs::remove_dir_all(staging).is_err() {
            tracing::debug!("could not remove {}", staging.display());
        }
        return Err(e);
    }
    // From here on the staging directory is complete: a failure leaves it to recovery.
    finish_replace(dir, staging)?;
    Ok((dir.join(up_name), dir.join(down_name)))
}

/// Completes a complete replacing staging directory: removes each listed file (except a new
/// file of the same name already moved in), then renames what is still staged into place,
/// down first. Returns the new names.
fn finish_replace(dir: &Path, staging: &Path) -> Result<Vec<String>, PairError> {
    let list = fs::read_to_string(staging.join(REPLACE)).map_err(on(staging))?;
    let entries: Vec<(&str, &str)> = list
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(_, name)| plain_name(name))
        .collect();
    let new: Vec<&str> = entries
        .iter()
        .filter(|(k, _)| *k == "new")
        .map(|(_, n)| *n)
        .collect();
    for (_, name) in entries.iter().filter(|(k, _)| *k == "remove") {
        // A new file of this name that is no longer staged was moved in already: keep it.
        if new.contains(name) && !staging.join(name).exists() {
            continue;
        }
        let target = dir.join(name);
        match fs::remove_file(&target) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(on(&target)(e)),
        }
    }
    sync_dir(dir)?;
    for name in &new {
        let from = staging.join(name);
        if !from.exists() {
            continue;
        }
        let target = dir.join(name);
        if target.symlink_metadata().is_ok() {
            return Err(on(&target)(std::io::ErrorKind::AlreadyExists.into()));
        }
        fs::rename(&from, &target).map_err(on(&target))?;
    }
    sync_dir(dir)?;
    fs::remove_dir_all(staging).map_err(on(staging))?;
    Ok(new.iter().rev().map(|n| n.to_string()).collect())
}

fn create_synced(path: &Path, contents: &[u8]) -> Result<(), PairError> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(on(path))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(on(path))
}

/// Writes one file whole or not at all: staged beside it, synced, then linked into place
/// (never over an existing file) or, with `replace`, renamed over it.
pub fn write_one(path: &Path, contents: &[u8], replace: bool) -> Result<(), PairError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staged = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&staged);
    create_synced(&staged, contents)?;
    let placed = if replace {
        fs::rename(&staged, path)
    } else {
        fs::hard_link(&staged, path)
    };
    let _ = fs::remove_file(&staged);
    placed.map_err(on(path))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), PairError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(on(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn temp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pair-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        assert!(fs::create_dir_all(&d).is_ok());
        d
    }

    #[test]
    fn recovery_finishes_complete_pairs_and_removes_incomplete_ones() {
        let p = &temp("recover");
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
        assert_eq!(recover(p).map(|n| n.len()).ok(), Some(0));
        let _ = fs::remove_dir_all(p);
    }

    #[test]
    fn a_replacing_pair_takes_the_place_of_the_listed_files() {
        let p = &temp("replace");
        for f in [
            "1_a.up.sql",
            "1_a.down.sql",
            "2_b.up.sql",
            "2_b.down.sql",
            "3_c.up.sql",
        ] {
            assert!(fs::write(p.join(f), "old").is_ok());
        }
        let remove: Vec<String> = ["1_a.up.sql", "1_a.down.sql", "2_b.up.sql", "2_b.down.sql"]
            .map(String::from)
            .to_vec();
        let Ok(Some(s)) = reserve(p, 2) else {
            panic!("reserve")
        };
        let w = replace_staged(
            p,
            &s,
            ("2_b.up.sql", b"new up"),
            ("2_b.down.sql", b"new down"),
            &remove,
        );
        assert!(w.is_ok(), "{w:?}");
        assert_eq!(names(p), vec!["2_b.down.sql", "2_b.up.sql", "3_c.up.sql"]);
        assert_eq!(
            fs::read(p.join("2_b.up.sql")).ok(),
            Some(b"new up".to_vec())
        );
        // Killed after the new down file was moved in (same name as a replaced one): recovery
        // keeps it, removes the rest, moves the up file in.
        assert!(fs::write(p.join("1_a.up.sql"), "old").is_ok());
        let s = p.join(format!("{STAGING}2"));
        assert!(fs::create_dir(&s).is_ok());
        assert!(fs::write(s.join("2_s.up.sql"), "squash up").is_ok());
        assert!(fs::write(p.join("2_s.down.sql"), "squash down").is_ok());
        let list = "new\t2_s.down.sql\nnew\t2_s.up.sql\nremove\t1_a.up.sql\nremove\t2_b.up.sql\nremove\t2_b.down.sql\nremove\t2_s.down.sql\n";
        assert!(fs::write(s.join(REPLACE), list).is_ok());
        assert!(fs::write(s.join(MARKER), "").is_ok());
        let notes = recover(p).unwrap_or_default();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(names(p), vec!["2_s.down.sql", "2_s.up.sql", "3_c.up.sql"]);
        assert_eq!(
            fs::read(p.join("2_s.down.sql")).ok(),
            Some(b"squash down".to_vec())
        );
        let _ = fs::remove_dir_all(p);
    }

    #[test]
    fn a_pair_is_written_whole_and_never_over_a_file() {
        let p = &temp("write");
        let Ok(Some(s)) = reserve(p, 1) else {
            panic!("reserve")
        };
        assert!(
            matches!(reserve(p, 1), Ok(None)),
            "a reserved version is taken"
        );
        let w = write_staged(p, &s, ("1_a.up.sql", b"up\r\n"), ("1_a.down.sql", b"down"));
        assert!(w.is_ok(), "{w:?}");
        assert_eq!(
            fs::read(p.join("1_a.up.sql")).ok(),
            Some(b"up\r\n".to_vec())
        );
        let Ok(Some(s)) = reserve(p, 2) else {
            panic!("reserve")
        };
        let again = write_staged(p, &s, ("1_a.up.sql", b"x"), ("2_a.down.sql", b"y"));
        assert!(matches!(&again, Err(e) if e.source.kind() == std::io::ErrorKind::AlreadyExists));
        assert_eq!(
            names(p),
            vec!["1_a.down.sql", "1_a.up.sql"],
            "nothing of the refused pair"
        );
        let Ok(Some(s)) = reserve(p, 3) else {
            panic!("reserve")
        };
        let out = write_staged(p, &s, ("../3_a.up.sql", b"x"), ("3_a.down.sql", b"y"));
        assert!(out.is_err());
        assert_eq!(names(p).len(), 2);
        let _ = fs::remove_dir_all(p);
    }
}
