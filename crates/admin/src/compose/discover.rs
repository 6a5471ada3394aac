//! Which Compose files make up the project (compose-go `cli/options.go`): `-f` files, else
//! `COMPOSE_FILE`, else the first default file name found from a directory upwards, plus the
//! first override file next to it.

use std::path::{Component, Path, PathBuf};

use super::{ComposeError, EnvMap};

/// Default Compose file names, in order of preference (compose-go `DefaultFileNames`).
pub const COMPOSE_FILE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// Default override file names, in order of preference (`DefaultOverrideFileNames`).
pub const OVERRIDE_FILE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// The Compose files of the project, absolute, and any warnings about the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub files: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// `p` made absolute against `cwd` and cleaned lexically (`.` and `..` removed), like Go's
/// `filepath.Abs`. Symlinks are kept as written.
pub fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Picks the Compose files: `explicit` (`-f`, relative to `cwd`) > `COMPOSE_FILE` in `env`
/// (split on `COMPOSE_PATH_SEPARATOR`, default `:`, relative to `cwd`) > a search from
/// `search_from` upwards.
pub fn compose_files(
    explicit: &[PathBuf],
    env: &EnvMap,
    cwd: &Path,
    search_from: &Path,
) -> Result<Found, ComposeError> {
    if !explicit.is_empty() {
        let files = explicit.iter().map(|p| absolute(cwd, p)).collect();
        return checked(files, "-f", cwd);
    }
    if let Some(value) = env.get("COMPOSE_FILE") {
        let sep = env
            .get("COMPOSE_PATH_SEPARATOR")
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or(":");
        let files: Vec<PathBuf> = value
            .split(sep)
            .filter(|s| !s.is_empty())
            .map(|s| absolute(cwd, Path::new(s)))
            .collect();
        if !files.is_empty() {
            return checked(files, "COMPOSE_FILE", cwd);
        }
    }
    search_upwards(search_from)
}

fn checked(files: Vec<PathBuf>, origin: &str, cwd: &Path) -> Result<Found, ComposeError> {
    if let Some(missing) = files.iter().find(|f| !f.is_file()) {
        return Err(ComposeError::FileMissing {
            path: missing.clone(),
            origin: origin.to_owned(),
            cwd: cwd.to_path_buf(),
        });
    }
    Ok(Found {
        files,
        warnings: Vec::new(),
    })
}

/// The existing files among `names` in `dir`, in the order of `names`.
fn existing(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect()
}

fn several_warning(kind: &str, found: &[PathBuf]) -> String {
    let list: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
    format!(
        "found multiple {kind} files with supported names: {}; using {}",
        list.join(", "),
        list[0]
    )
}

/// Walks from `start` (absolute) up to the root; the first directory holding a default
/// Compose file wins, together with its first override file.
pub fn search_upwards(start: &Path) -> Result<Found, ComposeError> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let found = existing(d, &COMPOSE_FILE_NAMES);
        if let Some(first) = found.first() {
            let mut warnings = Vec::new();
            if found.len() > 1 {
                warnings.push(several_warning("config", &found));
            }
            let mut files = vec![first.clone()];
            let overrides = existing(d, &OVERRIDE_FILE_NAMES);
            if let Some(o) = overrides.first() {
                if overrides.len() > 1 {
                    warnings.push(several_warning("override", &overrides));
                }
                files.push(o.clone());
            }
            return Ok(Found { files, warnings });
        }
        dir = d.parent();
    }
    Err(ComposeError::NotFound {
        dir: start.to_path_buf(),
        names: COMPOSE_FILE_NAMES.iter().map(|s| (*s).to_owned()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tmp() -> tempfile::TempDir {
        match tempfile::tempdir() {
            Ok(t) => t,
            Err(e) => panic!("tempdir: {e}"),
        }
    }

    fn touch(p: &Path) {
        if let Some(parent) = p.parent()
            && let Err(e) = fs::create_dir_all(parent)
        {
            panic!("mkdir {}: {e}", parent.display());
        }
        if let Err(e) = fs::write(p, "services: {}\n") {
            panic!("write {}: {e}", p.display());
        }
    }

    fn found(r: Result<Found, ComposeError>) -> Found {
        match r {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn absolute_cleans_dot_and_dotdot() {
        assert_eq!(
            absolute(Path::new("/a/b"), Path::new("../c/./d.yml")),
            PathBuf::from("/a/c/d.yml")
        );
        assert_eq!(
            absolute(Path::new("/a"), Path::new("/x/./y")),
            PathBuf::from("/x/y")
        );
    }

    #[test]
    fn search_walks_up_from_a_subdirectory_and_picks_the_override() {
        let t = tmp();
        let root = t.path();
        touch(&root.join("docker-compose.yml"));
        touch(&root.join("docker-compose.override.yml"));
        touch(&root.join("nested/deeper/.keep"));
        let f = found(search_upwards(&root.join("nested/deeper")));
        assert_eq!(
            f.files,
            vec![
                root.join("docker-compose.yml"),
                root.join("docker-compose.override.yml")
            ]
        );
        assert!(f.warnings.is_empty());
    }

    #[test]
    fn nearest_directory_wins_and_preference_order_applies() {
        let t = tmp();
        let root = t.path();
        touch(&root.join("compose.yaml"));
        touch(&root.join("sub/docker-compose.yml"));
        touch(&root.join("sub/compose.yml"));
        touch(&root.join("sub/compose.override.yaml"));
        touch(&root.join("sub/docker-compose.override.yml"));
        let f = found(search_upwards(&root.join("sub")));
        assert_eq!(
            f.files,
            vec![
                root.join("sub/compose.yml"),
                root.join("sub/compose.override.yaml")
            ]
        );
        assert_eq!(f.warnings.len(), 2);
        assert!(f.warnings[0].contains("using ") && f.warnings[0].ends_with("sub/compose.yml"));
    }

    #[test]
    fn not_found_lists_names_and_directory() {
        let t = tmp();
        touch(&t.path().join("a/.keep"));
        // The temp dir's parents (e.g. /tmp) hold no Compose file on a sane machine;
        // guard the assertion so a stray /tmp/compose.yaml shows up as a clear failure.
        let start = t.path().join("a");
        let err = match search_upwards(&start) {
            Ok(f) => panic!("unexpectedly found {:?}", f.files),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(&start.display().to_string()), "{err}");
        for name in COMPOSE_FILE_NAMES {
            assert!(err.contains(name), "{err}");
        }
        assert!(err.lines().last().is_some_and(|l| l.starts_with("hint: ")));
    }

    #[test]
    fn explicit_files_win_and_are_relative_to_cwd() {
        let t = tmp();
        let root = t.path();
        touch(&root.join("compose.yaml"));
        touch(&root.join("x/one.yml"));
        touch(&root.join("x/two.yml"));
        let mut env = EnvMap::new();
        env.insert("COMPOSE_FILE".into(), "compose.yaml".into());
        let f = found(compose_files(
            &[PathBuf::from("x/one.yml"), PathBuf::from("./x/two.yml")],
            &env,
            root,
            root,
        ));
        assert_eq!(
            f.files,
            vec![root.join("x/one.yml"), root.join("x/two.yml")]
        );
    }

    #[test]
    fn compose_file_env_splits_on_separator() {
        let t = tmp();
        let root = t.path();
        touch(&root.join("compose.yaml"));
        touch(&root.join("a.yml"));
        touch(&root.join("b.yml"));
        let mut env = EnvMap::new();
        env.insert("COMPOSE_FILE".into(), "a.yml:b.yml".into());
        let f = found(compose_files(&[], &env, root, root));
        assert_eq!(f.files, vec![root.join("a.yml"), root.join("b.yml")]);
        env.insert("COMPOSE_FILE".into(), "b.yml;a.yml".into());
        env.insert("COMPOSE_PATH_SEPARATOR".into(), ";".into());
        let f = found(compose_files(&[], &env, root, root));
        assert_eq!(f.files, vec![root.join("b.yml"), root.join("a.yml")]);
    }

    #[test]
    fn missing_explicit_file_is_an_error_naming_it() {
        let t = tmp();
        let err = match compose_files(
            &[PathBuf::from("nope.yml")],
            &EnvMap::new(),
            t.path(),
            t.path(),
        ) {
            Ok(f) => panic!("found {:?}", f.files),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("nope.yml") && err.contains("from -f"), "{err}");
    }
}
