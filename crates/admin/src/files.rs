//! The developer's working tree as the source of truth: where the host's migrations folder and
//! schema.sql are, the bundle sent to the migrator, how file references from the migrator are
//! shown (host paths, `admin db …` commands), and writing a generated pair on the host (whole
//! or not at all, as the calling user, never over a file).
//!
//! Where the files are (first that applies):
//! - source: `--files host|image` > `ADMIN_FILES` > `x-admin: {files: …}` > `host`;
//! - migrations folder: `--migrations-dir DIR` (relative to the current directory) >
//!   `ADMIN_MIGRATIONS_DIR` > the database's `x-admin.databases.NAME.migrations`, else
//!   `x-admin: {migrations: PATH}` (relative to the project directory, like every Compose
//!   path) > the host side of the API service's bind mount of a
//!   `…/migrations` folder > `./migrations` if it exists > `<project dir>/migrations`;
//! - schema.sql: `--schema`/`SCHEMA_FILE` (relative to the current directory) >
//!   the database's `schema`, else `x-admin: {schema: PATH}` (for a database with its own
//!   folder: its own `schema` only) > `schema.sql` beside the migrations folder.

use std::path::{Path, PathBuf};

use protocol::bundle::{Bundle, SchemaFile};
use protocol::pair;
use protocol::results::NewFile;
use protocol::text::{Base, FileRef, Names, shell_word, with_position};

use crate::compose::Project;
use crate::databases::Database;

/// Where a db command's files come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FilesFrom {
    /// The developer's working tree, sent to the migrator (the default).
    #[default]
    Host,
    /// The files baked into the API image (production images that `COPY migrations/`).
    Image,
}

/// The host's migrations folder and schema file.
#[derive(Debug, Clone)]
pub struct HostFiles {
    /// Absolute.
    pub dir: PathBuf,
    /// As messages show it (relative to the current directory when under it).
    pub dir_shown: String,
    pub schema: PathBuf,
    pub schema_shown: String,
    /// How the schema path was named explicitly (it must exist then).
    pub schema_given_by: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error(
        "x-admin.files / ADMIN_FILES is `{0}`; it must be `host` or `image`\nhint: use `host` (the working tree, the default) or `image` (the files in the API image)"
    )]
    BadMode(String),
    #[error(
        "{0}\nhint: reduce the folder (squash old migrations), or use the files in the image: admin --files image …"
    )]
    Bundle(#[from] protocol::bundle::BundleError),
    #[error(
        "cannot write {shown}: {source}\nhint: check the folder's permissions, then run the command again"
    )]
    WriteSchema {
        shown: String,
        source: std::io::Error,
    },
    #[error("cannot write the migration pair into {dir}: {source}{why}\nhint: {hint}")]
    Write {
        dir: String,
        source: std::io::Error,
        why: String,
        hint: String,
    },
}

impl FilesError {
    pub fn exit_code(&self) -> crate::exit::ExitCode {
        match self {
            FilesError::BadMode(_) | FilesError::Bundle(_) => crate::exit::ExitCode::InvalidInput,
            FilesError::Write { .. } | FilesError::WriteSchema { .. } => {
                crate::exit::ExitCode::Failure
            }
        }
    }
}

/// `path` as messages show it, like git does: relative to `cwd` when both are under a common
/// folder other than `/` (`migrations`, `../migrations`), else absolute.
pub fn shown(path: &Path, cwd: &Path) -> String {
    let (p, c): (Vec<_>, Vec<_>) = (path.components().collect(), cwd.components().collect());
    let common = p.iter().zip(&c).take_while(|(a, b)| a == b).count();
    if !path.is_absolute() || common < 2 {
        return path.display().to_string();
    }
    let mut rel = PathBuf::new();
    for _ in common..c.len() {
        rel.push("..");
    }
    for part in &p[common..] {
        rel.push(part);
    }
    if rel.as_os_str().is_empty() {
        ".".into()
    } else {
        rel.display().to_string()
    }
}

/// A file of a folder as shown: `dir/name`, or `name` alone in the current folder.
fn in_dir(dir_shown: &str, name: &str) -> String {
    match dir_shown.trim_end_matches('/') {
        "." | "" => name.to_string(),
        d => format!("{d}/{name}"),
    }
}

fn absolute(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// Removes `.` and `a/..` pairs (the folder may not exist yet: no canonicalize).
fn tidy(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The files mode from the flag, the environment and `x-admin.files`.
pub fn mode(
    flag: Option<FilesFrom>,
    env: Option<&str>,
    project: &Project,
) -> Result<FilesFrom, FilesError> {
    if let Some(f) = flag {
        return Ok(f);
    }
    let named = env
        .filter(|v| !v.is_empty())
        .or(project.x_admin.files.as_deref());
    match named {
        None | Some("host") => Ok(FilesFrom::Host),
        Some("image") => Ok(FilesFrom::Image),
        Some(other) => Err(FilesError::BadMode(other.to_string())),
    }
}

/// [`locate`] with the folder from `--migrations-dir` / `ADMIN_MIGRATIONS_DIR`.
pub fn locate_for(
    settings: &crate::settings::Settings,
    project: &Project,
    db: &Database,
    schema_arg: Option<(&Path, &str)>,
) -> HostFiles {
    locate(
        project,
        db,
        &settings.cwd,
        settings.migrations_dir.as_deref(),
        settings
            .os_env
            .get("ADMIN_MIGRATIONS_DIR")
            .map(String::as_str),
        schema_arg,
    )
}

/// Where the host's migrations folder and schema.sql are (see the module doc).
pub fn locate(
    project: &Project,
    db: &Database,
    cwd: &Path,
    dir_flag: Option<&Path>,
    dir_env: Option<&str>,
    schema_arg: Option<(&Path, &str)>,
) -> HostFiles {
    let from_project = |p: &str| tidy(&absolute(&project.dir, Path::new(p)));
    let mount = project
        .service_config
        .bind_mounts()
        .into_iter()
        .find(|m| m.container.trim_end_matches('/').ends_with("/migrations"))
        .map(|m| m.host);
    let dir = dir_flag
        .map(|d| tidy(&absolute(cwd, d)))
        .or_else(|| {
            dir_env
                .filter(|v| !v.is_empty())
                .map(|d| tidy(&absolute(cwd, Path::new(d))))
        })
        .or_else(|| db.migrations.as_deref().map(from_project))
        .or(mount)
        .or_else(|| Some(cwd.join("migrations")).filter(|d| d.is_dir()))
        .unwrap_or_else(|| project.dir.join("migrations"));
    let (schema, given_by) = match schema_arg {
        Some((p, by)) => (tidy(&absolute(cwd, p)), Some(by.to_string())),
        None => match db.schema.as_deref() {
            Some(s) => (from_project(s), Some(format!("{}.schema", db.origin))),
            None => (tidy(&dir.join("..").join("schema.sql")), None),
        },
    };
    HostFiles {
        dir_shown: shown(&dir, cwd),
        schema_shown: shown(&schema, cwd),
        dir,
        schema,
        schema_given_by: given_by,
    }
}

impl HostFiles {
    /// Finishes or removes an interrupted pair write, then reads the folder (and schema.sql,
    /// when `with_schema`) into a bundle. An absent folder is an empty one.
    pub fn bundle(&self, with_schema: bool) -> Result<(Bundle, Vec<String>), FilesError> {
        let notes = if self.dir.is_dir() {
            pair::recover(&self.dir).map_err(|e| self.write_error(e.source))?
        } else {
            Vec::new()
        };
        let schema = with_schema.then(|| {
            (
                self.schema.as_path(),
                SchemaFile {
                    shown: self.schema_shown.clone(),
                    explicit: self.schema_given_by.is_some(),
                    given_by: self.schema_given_by.clone(),
                    bytes: None,
                },
            )
        });
        let bundle = Bundle::from_folder(&self.dir, &self.dir_shown, schema)?;
        Ok((bundle, notes))
    }

    fn write_error(&self, source: std::io::Error) -> FilesError {
        let (why, hint) = permission_advice(&self.dir, &self.dir_shown, &source);
        FilesError::Write {
            dir: self.dir_shown.clone(),
            source,
            why,
            hint,
        }
    }

    /// Creates the folder if needed and locks it exclusively for a whole makemigrations run
    /// (the version the migrator picks from the bundle stays free until the pair is written).
    pub fn lock_for_writing(&self) -> Result<pair::DirLock, FilesError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| self.write_error(e))?;
        pair::lock(&self.dir, true).map_err(|e| self.write_error(e.source))
    }

    /// The staging directory that reserves `version` in the folder.
    fn reserve(&self, version: i64) -> Result<std::path::PathBuf, FilesError> {
        pair::reserve(&self.dir, version)
            .map_err(|e| self.write_error(e.source))?
            .ok_or_else(|| {
                self.write_error(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("version {version} is being written by another run"),
                ))
            })
    }

    /// Writes a generated pair into the folder (locked by [`HostFiles::lock_for_writing`]):
    /// whole or not at all, never over a file, as the calling user. Returns the two paths as
    /// shown.
    pub fn write_pair(
        &self,
        version: i64,
        up: &NewFile,
        down: &NewFile,
    ) -> Result<(String, String), FilesError> {
        let fail = |source: std::io::Error| self.write_error(source);
        let staging = self.reserve(version)?;
        pair::write_staged(
            &self.dir,
            &staging,
            (&up.name, up.text.as_bytes()),
            (&down.name, down.text.as_bytes()),
        )
        .map_err(|e| fail(e.source))?;
        Ok((
            in_dir(&self.dir_shown, &up.name),
            in_dir(&self.dir_shown, &down.name),
        ))
    }
}

impl HostFiles {
    /// Writes a squash's pair at `version` in place of the files named `remove` (under the
    /// exclusive lock the caller holds), whole; returns the shown up, down and removed paths.
    pub fn replace_pair(
        &self,
        version: i64,
        up: &NewFile,
        down: &NewFile,
        remove: &[String],
    ) -> Result<(String, String, Vec<String>), FilesError> {
        let fail = |source: std::io::Error| self.write_error(source);
        if let Some(gone) = remove.iter().find(|n| !self.dir.join(n).exists()) {
            return Err(fail(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{gone} is gone (the folder changed while the squash was being made)"),
            )));
        }
        let staging = self.reserve(version)?;
        pair::replace_staged(
            &self.dir,
            &staging,
            (&up.name, up.text.as_bytes()),
            (&down.name, down.text.as_bytes()),
            remove,
        )
        .map_err(|e| fail(e.source))?;
        Ok((
            in_dir(&self.dir_shown, &up.name),
            in_dir(&self.dir_shown, &down.name),
            remove.iter().map(|n| in_dir(&self.dir_shown, n)).collect(),
        ))
    }
}

/// Why a write was refused and what to do, for permission problems: who owns the folder.
fn permission_advice(dir: &Path, shown: &str, e: &std::io::Error) -> (String, String) {
    if e.kind() != std::io::ErrorKind::PermissionDenied {
        return (
            String::new(),
            format!("check the folder, then run the command again ({shown})"),
        );
    }
    let me = format!(
        "{}:{}",
        rustix::process::getuid().as_raw(),
        rustix::process::getgid().as_raw()
    );
    let owner = std::fs::metadata(dir)
        .ok()
        .map(|m| {
            use std::os::unix::fs::MetadataExt;
            format!("{}:{}", m.uid(), m.gid())
        })
        .unwrap_or_else(|| "another user".into());
    (
        format!(
            "\nthe folder belongs to {owner}, and you run admin as {me} (files a container wrote through a bind mount often belong to its user)"
        ),
        format!("take it back: sudo chown -R {me} {}", shell_word(shown)),
    )
}

/// How admin shows the migrator's file references and commands.
pub struct HostNames {
    pub files: Option<HostFiles>,
    /// The database picked by name (`--database`, `ADMIN_DATABASE`, `--all-databases`):
    /// commands then name it, so that a hint runs on the same database.
    pub database: Option<String>,
}

impl Names for HostNames {
    fn file(&self, f: &FileRef) -> String {
        let Some(h) = &self.files else {
            // The files in the image: the container's path is the truth.
            return with_position(&format!("image:{}", f.shown), f);
        };
        let path = match f.base {
            Base::Migration => in_dir(&h.dir_shown, &f.name),
            Base::MigrationsDir => h.dir_shown.clone(),
            Base::Schema => h.schema_shown.clone(),
            Base::Output => f.shown.clone(),
        };
        with_position(&path, f)
    }

    fn command(&self, args: &[String]) -> String {
        let mut out = vec!["admin".to_string()];
        if let Some(name) = &self.database {
            out.extend(["--database".to_string(), shell_word(name)]);
        }
        out.push("db".to_string());
        out.extend(args.iter().map(|a| shell_word(a)));
        out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_relative_to_the_current_directory() {
        assert_eq!(
            shown(Path::new("/w/p/migrations"), Path::new("/w/p")),
            "migrations"
        );
        assert_eq!(shown(Path::new("/other/m"), Path::new("/w/p")), "/other/m");
        assert_eq!(shown(Path::new("/w/p"), Path::new("/w/p")), ".");
        assert_eq!(
            shown(Path::new("/w/p/migrations"), Path::new("/w/p/src/app")),
            "../../migrations"
        );
        assert_eq!(in_dir(".", "1_a.up.sql"), "1_a.up.sql");
        assert_eq!(in_dir("../m/", "1_a.up.sql"), "../m/1_a.up.sql");
        assert_eq!(
            tidy(Path::new("/w/p/compose/../migrations")),
            PathBuf::from("/w/p/migrations")
        );
    }

    #[test]
    fn host_names_use_host_paths_and_admin_commands() {
        let n = HostNames {
            files: Some(HostFiles {
                dir: "/w/migrations".into(),
                dir_shown: "migrations".into(),
                schema: "/w/schema.sql".into(),
                schema_shown: "schema.sql".into(),
                schema_given_by: None,
            }),
            database: None,
        };
        let f = FileRef::new(Base::Migration, "1_a.up.sql", "/app/migrations/1_a.up.sql").at(2, 5);
        assert_eq!(n.file(&f), "migrations/1_a.up.sql:2:5");
        assert_eq!(
            n.command(&["stamp".into(), "<VERSION>".into()]),
            "admin db stamp <VERSION>"
        );
        let named = HostNames {
            files: None,
            database: Some("tenant_a".into()),
        };
        assert_eq!(
            named.command(&["migrate".into()]),
            "admin --database tenant_a db migrate",
            "a hint runs on the database it is about"
        );
        let image = HostNames {
            files: None,
            database: None,
        };
        assert_eq!(image.file(&f), "image:/app/migrations/1_a.up.sql:2:5");
    }
}
