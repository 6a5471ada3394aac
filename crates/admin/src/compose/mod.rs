//! Finding and reading the Compose project the way `docker compose` (v2, compose-go) does:
//! file discovery, `.env`, interpolation, multi-file merge, project name and the API service.
//!
//! Pure: no Docker, no network, no Postgres. The only I/O is reading files; the process
//! environment is passed in as a map (resolved once by the CLI layer), never read here.
//!
//! Entry point: [`resolve`] with [`ResolveOptions`] → [`Project`].

mod convert;
mod discover;
mod dotenv;
mod include;
mod interpolate;
mod lenient;
mod model;
mod project;
mod runenv;
mod tree;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod malformed_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::exit::ExitCode;

pub use convert::split_words;
pub use discover::{COMPOSE_FILE_NAMES, OVERRIDE_FILE_NAMES};
pub use dotenv::read_keys as env_file_keys;
pub use interpolate::{TemplateError, interpolate, required_variables};
pub use lenient::{is_stand_in, resolve_collecting};
pub use model::{
    BindMount, Dependency, EnvFile, Healthcheck, Resource, ServiceConfig, Volume, VolumeKind,
    XAdmin, XDatabase,
};
pub use project::{
    DEFAULT_MIGRATOR, Project, ResolveOptions, normalize_project_name, resolve, shell_join,
};
pub use runenv::{Origin, service_environment};

/// Environment variables: the process environment as passed in, or that merged with `.env`.
pub type EnvMap = BTreeMap<String, String>;

/// Everything that can go wrong finding or reading the Compose project. Each message names the
/// file (and line/column or variable when known) and ends with a `hint:` line.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(
        "no Compose file found in {} or any parent directory (looked for {})\nhint: run admin from the project directory, pass the file with `admin -f path/to/compose.yaml …`, or set COMPOSE_FILE",
        dir.display(), names.join(", ")
    )]
    NotFound { dir: PathBuf, names: Vec<String> },

    #[error(
        "Compose file {} (from {origin}) does not exist\nhint: check the path; relative paths are taken from the current directory {}",
        path.display(), cwd.display()
    )]
    FileMissing {
        path: PathBuf,
        origin: String,
        cwd: PathBuf,
    },

    #[error("cannot read {}: {source}\nhint: check that the file exists and is readable: ls -l {}", path.display(), path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{}:{line}:{col}: the file is not UTF-8 text (Compose and .env files must be)\nhint: save {} as UTF-8, e.g. iconv -f LATIN1 -t UTF-8",
        path.display(), path.display()
    )]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        col: usize,
    },

    #[error(
        "env file {} (from {origin}) does not exist\nhint: create it (e.g. cp .env.example .env) or pass another one with --env-file FILE",
        path.display()
    )]
    EnvFileMissing { path: PathBuf, origin: String },

    #[error(
        "project directory {} does not exist or is not a directory\nhint: pass an existing directory with --project-directory DIR",
        path.display()
    )]
    ProjectDirMissing { path: PathBuf },

    #[error("{}:{line}: {message}\nhint: fix line {line} of {}; values with spaces or `#` can be quoted: KEY=\"a value\"", file.display(), file.display())]
    DotEnv {
        file: PathBuf,
        line: usize,
        message: String,
    },

    #[error("{}:{line}:{col}: {message}\nhint: fix line {line}, column {col} of {}, then check it with: docker compose -f {} config", file.display(), file.display(), file.display())]
    Yaml {
        file: PathBuf,
        line: u64,
        col: u64,
        message: String,
    },

    #[error("{}:{line}:{col}: {path}: {message}\nhint: fix `{path}` at line {line} of {}, then check it with: docker compose -f {} config", file.display(), file.display(), file.display())]
    Schema {
        file: PathBuf,
        line: u64,
        col: u64,
        path: String,
        message: String,
    },

    #[error(
        "{}:{line}:{col}: invalid interpolation format for {path} at `{near}`: {reason}\nhint: fix `{near}…` at line {line} of {}; write a literal `$` as `$$`",
        file.display(), file.display()
    )]
    Interpolation {
        file: PathBuf,
        line: u64,
        col: u64,
        path: String,
        /// `${NAME` only: never the value around it.
        near: String,
        reason: String,
    },

    #[error("{0}")]
    RequiredVariable(Box<MissingVariable>),

    /// `what` is `"My App" (from -p)` for a name typed on the command line, only the
    /// variable's name for one from the environment or `.env` (never its value).
    #[error(
        "invalid project name {what}: it must contain only lowercase letters, digits, `-` and `_`, and start with a letter or digit\nhint: {fix}"
    )]
    InvalidProjectName { what: String, fix: String },

    #[error(
        "the project name is empty: the directory name {} has no usable characters\nhint: pass a name with -p NAME, or set `name:` in the Compose file",
        dir.display()
    )]
    EmptyProjectName { dir: PathBuf },

    #[error(
        "no API service chosen: there is no service named `api` (services: {})\nhint: pick one with `admin --service NAME …`, or add to the Compose file: x-admin: {{service: NAME}}",
        list_or_none(services)
    )]
    NoApiService { services: Vec<String> },

    /// `what` quotes the name only when it was typed on the command line (`--service`); a
    /// name from the environment, `.env` or an interpolated `x-admin` is named by origin.
    #[error(
        "{what} is not in the Compose project (services: {})\nhint: use one of the services above, e.g. `admin --service {} …`",
        list_or_none(services),
        services.first().map(String::as_str).unwrap_or("NAME")
    )]
    UnknownService { what: String, services: Vec<String> },
}

/// `${VAR:?message}` with `VAR` unset (or empty), in a Compose file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVariable {
    pub file: PathBuf,
    pub line: u64,
    pub col: u64,
    /// Where in the file, e.g. `services.api.environment.SECRET`.
    pub path: String,
    pub variable: String,
    /// The message after `:?` (may be empty).
    pub message: String,
    /// The env file to suggest in the hint.
    pub env_file: PathBuf,
}

impl std::fmt::Display for MissingVariable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: required variable {} is missing a value",
            self.file.display(),
            self.line,
            self.col,
            self.variable
        )?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        write!(
            f,
            " (in {})\nhint: set {} in the environment or in {}",
            self.path,
            self.variable,
            self.env_file.display()
        )
    }
}

/// A Compose or `.env` file's text; bytes that are not UTF-8 are an error naming where the
/// first such byte is.
pub(crate) fn read_text(path: &std::path::Path) -> Result<String, ComposeError> {
    let bytes = std::fs::read(path).map_err(|source| ComposeError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let col = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        ComposeError::NotUtf8 {
            path: path.to_path_buf(),
            line: valid.iter().filter(|&&b| b == b'\n').count() + 1,
            col,
        }
    })
}

/// One Compose file's text read as `resolve` reads it (YAML with positions, then the fields
/// admin uses), without interpolation. For the fuzz targets (`just fuzz`).
#[doc(hidden)]
pub fn parse_file_text(file: &std::path::Path, text: &str) -> Result<(), ComposeError> {
    tree::parse(file, text).and_then(|t| model::FileModel::from_tree(file, &t).map(|_| ()))
}

/// One `.env` file's text, interpolated from `env`. For the fuzz targets (`just fuzz`).
#[doc(hidden)]
pub fn parse_env_text(
    file: &std::path::Path,
    text: &str,
    env: &EnvMap,
) -> Result<EnvMap, ComposeError> {
    dotenv::parse(file, text, env)
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

impl ComposeError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::Compose
    }
}
