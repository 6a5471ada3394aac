//! Pinned downloads: each artifact is one file of a package registry (PyPI, crates.io) with the
//! sha256 the registry publishes for it. It is downloaded once with `curl`, verified, kept in
//! `$XDG_CACHE_HOME/admin-corpus/` (default `~/.cache/admin-corpus/`) and extracted beside it
//! (`python3 -m zipfile` for wheels, `tar` for sdists and `.crate`s). Nothing of it is ever
//! written into the repository. Several test processes may share the cache: every file and
//! directory is written under a temporary name and renamed into place.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// How the downloaded file is packed.
#[derive(Clone, Copy, Debug)]
pub enum Archive {
    /// A wheel (zip).
    Zip,
    /// An sdist or a `.crate` (gzipped tar).
    TarGz,
}

/// One pinned registry file.
#[derive(Clone, Copy, Debug)]
pub struct Artifact {
    /// `PyPI` or `crates.io`.
    pub registry: &'static str,
    pub package: &'static str,
    pub version: &'static str,
    pub url: &'static str,
    /// As published by the registry: PyPI's simple index (`#sha256=` of the file link),
    /// crates.io's index (`cksum`).
    pub sha256: &'static str,
    pub archive: Archive,
}

impl Artifact {
    pub fn file_name(&self) -> &'static str {
        self.url.rsplit('/').next().unwrap_or(self.url)
    }

    fn what(&self) -> String {
        format!("{} {} {}", self.registry, self.package, self.version)
    }
}

/// Marker written last into an extracted directory: the sha256 it was extracted from.
const DONE: &str = ".admin-corpus-extracted";

/// `$XDG_CACHE_HOME/admin-corpus`, else `$HOME/.cache/admin-corpus`.
pub fn cache_dir() -> Result<PathBuf, String> {
    let base = match std::env::var_os("XDG_CACHE_HOME") {
        Some(x) if Path::new(&x).is_absolute() => PathBuf::from(x),
        _ => match std::env::var_os("HOME") {
            Some(h) if !h.is_empty() => PathBuf::from(h).join(".cache"),
            _ => return Err("neither XDG_CACHE_HOME nor HOME is set: no cache directory".into()),
        },
    };
    Ok(base.join("admin-corpus"))
}

/// The artifact extracted (downloaded and verified first unless cached); returns its top
/// directory: the extraction directory for a wheel, the one directory inside it for an sdist
/// or a `.crate` (`NAME-VERSION/`).
pub fn fetch(a: &Artifact) -> Result<PathBuf, String> {
    fetch_into(&cache_dir()?, a)
}

/// [`fetch`] with the cache in `dir`.
fn fetch_into(dir: &Path, a: &Artifact) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let file = dir.join(a.file_name());
    let cached = file.exists() && sha256_of(&file)? == a.sha256;
    if !cached {
        download(a, &file)?;
    }
    let out = dir.join(format!("{}.d", a.file_name()));
    let done = std::fs::read_to_string(out.join(DONE)).unwrap_or_default();
    if done.trim() != a.sha256 {
        extract(a, &file, &out)?;
    }
    match a.archive {
        Archive::Zip => Ok(out),
        Archive::TarGz => top_dir(&out),
    }
}

/// The only directory in `dir`.
fn top_dir(dir: &Path) -> Result<PathBuf, String> {
    let mut dirs = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let p = e.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if p.is_dir() {
            dirs.push(p);
        }
    }
    match dirs.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!(
            "{}: expected one top directory, found {}",
            dir.display(),
            dirs.len()
        )),
    }
}

fn sha256_of(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Runs a tool, turning a failure into a message with its stderr.
fn run(cmd: &mut Command, doing: &str) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{doing}: cannot run {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{doing}: {:?} exited with {}: {}",
        cmd.get_program(),
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    ))
}

fn download(a: &Artifact, file: &Path) -> Result<(), String> {
    let part = file.with_extension(format!("{}.part", std::process::id()));
    let doing = format!("downloading {} from {}", a.what(), a.url);
    let result = run(
        Command::new("curl")
            .args(["-fsSL", "--retry", "2", "--connect-timeout", "20"])
            .args(["--max-time", "300", "-o"])
            .arg(&part)
            .arg(a.url),
        &doing,
    )
    .and_then(|()| {
        let got = sha256_of(&part)?;
        if got == a.sha256 {
            Ok(())
        } else {
            Err(format!(
                "{doing}: sha256 mismatch: expected {}, got {got}",
                a.sha256
            ))
        }
    })
    .and_then(|()| {
        std::fs::rename(&part, file).map_err(|e| format!("{doing}: {}: {e}", file.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    result
}

fn extract(a: &Artifact, file: &Path, out: &Path) -> Result<(), String> {
    let tmp = out.with_extension(format!("d.{}.tmp", std::process::id()));
    let doing = format!("extracting {} ({})", a.what(), file.display());
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{doing}: {}: {e}", tmp.display()))?;
    let unpacked = match a.archive {
        Archive::Zip => run(
            Command::new("python3")
                .args(["-m", "zipfile", "-e"])
                .arg(file)
                .arg(&tmp),
            &doing,
        ),
        Archive::TarGz => run(
            Command::new("tar")
                .arg("-xzf")
                .arg(file)
                .arg("-C")
                .arg(&tmp),
            &doing,
        ),
    };
    let result = unpacked
        .and_then(|()| {
            std::fs::write(tmp.join(DONE), a.sha256)
                .map_err(|e| format!("{doing}: {}: {e}", tmp.display()))
        })
        .and_then(|()| {
            // A stale or half-written directory goes; a complete one another process just
            // renamed into place is as good as ours.
            let complete =
                || std::fs::read_to_string(out.join(DONE)).is_ok_and(|d| d.trim() == a.sha256);
            if complete() {
                return Ok(());
            }
            if out.exists() {
                std::fs::remove_dir_all(out)
                    .map_err(|e| format!("{doing}: {}: {e}", out.display()))?;
            }
            match std::fs::rename(&tmp, out) {
                Err(_) if complete() => Ok(()),
                r => r.map_err(|e| format!("{doing}: {}: {e}", out.display())),
            }
        });
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pinned `.tar.gz` is verified, extracted once and reused; a wrong sha256 is refused
    /// and leaves nothing behind (curl reads a file:// URL: no network needed).
    #[test]
    fn verifies_extracts_and_reuses_the_cache() {
        let src = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let cache = src.path().join("cache");
        let pkg = src.path().join("pkg-1.0/migrations");
        assert!(std::fs::create_dir_all(&pkg).is_ok());
        assert!(std::fs::write(pkg.join("1_a.sql"), "CREATE TABLE a ();").is_ok());
        let tgz = src.path().join("pkg-1.0.tar.gz");
        let packed = Command::new("tar")
            .arg("-czf")
            .arg(&tgz)
            .arg("-C")
            .arg(src.path())
            .arg("pkg-1.0")
            .status();
        assert!(
            packed.as_ref().is_ok_and(|s| s.success()),
            "tar: {packed:?}"
        );
        let sha = sha256_of(&tgz).unwrap_or_default();
        let url: &'static str = Box::leak(format!("file://{}", tgz.display()).into_boxed_str());
        let mut a = Artifact {
            registry: "test",
            package: "pkg",
            version: "1.0",
            url,
            sha256: "00",
            archive: Archive::TarGz,
        };
        match fetch_into(&cache, &a) {
            Err(e) => assert!(e.contains("sha256 mismatch") && e.contains("pkg"), "{e}"),
            Ok(p) => panic!("a wrong sha256 was accepted: {}", p.display()),
        }
        let left: Vec<_> = std::fs::read_dir(&cache)
            .map(|d| d.count())
            .into_iter()
            .collect();
        assert_eq!(left, [0], "a rejected download leaves nothing");
        a.sha256 = Box::leak(sha.into_boxed_str());
        let top = fetch_into(&cache, &a);
        assert_eq!(
            top.as_deref().ok(),
            Some(cache.join("pkg-1.0.tar.gz.d/pkg-1.0").as_path())
        );
        assert!(
            cache
                .join("pkg-1.0.tar.gz.d/pkg-1.0/migrations/1_a.sql")
                .exists()
        );
        // Cached: works without the source file.
        assert!(std::fs::remove_file(&tgz).is_ok());
        assert!(fetch_into(&cache, &a).is_ok());
    }
}
