//! Typed settings resolved once from the command line (and the env vars clap already read),
//! plus the few process environment variables clap does not read: the only place that reads
//! the environment (clippy's `disallowed-methods` holds everything else to it).

use std::ffi::OsString;
use std::path::PathBuf;

use super::cli::Cli;
use crate::output::Format;

/// What the process environment says beyond clap's own `env =` arguments; read once.
#[derive(Debug, Clone)]
pub struct ProcessEnv {
    /// `NO_COLOR` is set (and not empty).
    pub no_color: bool,
    /// `SHADOW_DATABASE_URL` (a secret: never printed); Err when it is not UTF-8.
    pub shadow_database_url: Result<Option<String>, ()>,
    /// `SCHEMA_FILE` as set, to tell whether `--schema` came from it.
    pub schema_file: Option<OsString>,
    /// `PGPASSWORD` (a secret: never printed), which the driver uses when the URL has no
    /// password; only read to scrub it from messages.
    pub pgpassword: Option<String>,
    /// `--database-url-env VAR`: VAR's value (a secret); Err when it is not UTF-8.
    pub url_from_var: Result<Option<String>, ()>,
}

impl ProcessEnv {
    #[allow(
        clippy::disallowed_methods,
        reason = "the one place that reads the environment"
    )]
    pub fn read(url_var: Option<&str>) -> ProcessEnv {
        let url = |name: &str| match std::env::var(name) {
            Ok(u) if !u.trim().is_empty() => Ok(Some(u)),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(()),
        };
        ProcessEnv {
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            shadow_database_url: url("SHADOW_DATABASE_URL"),
            url_from_var: url_var.map_or(Ok(None), url),
            schema_file: std::env::var_os("SCHEMA_FILE"),
            pgpassword: std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Never printed as is: use `redact::mask_url`. Err: the variable's value is not UTF-8.
    pub database_url: Option<String>,
    /// The variable the URL comes from (`DATABASE_URL`, or `--database-url-env`'s), for
    /// messages.
    pub url_var: String,
    /// SHADOW_DATABASE_URL (a secret); Err when it is not UTF-8.
    pub shadow_database_url: Result<Option<String>, ()>,
    /// SCHEMA_FILE as set in the environment.
    pub schema_file_env: Option<OsString>,
    /// The files admin sent (`--bundle`): used instead of the migrations folder and schema.sql.
    pub bundle: Option<protocol::bundle::Bundle>,
    pub migrations_dir: PathBuf,
    pub format: Format,
    pub verbosity: u8,
    /// `PGPASSWORD` (a secret), to scrub from messages.
    pub pgpassword: Option<String>,
}

impl Settings {
    pub fn resolve(
        cli: &Cli,
        env: &ProcessEnv,
        bundle: Option<protocol::bundle::Bundle>,
    ) -> Settings {
        let dir = match &bundle {
            Some(b) => Some(PathBuf::from(&b.migrations_dir)),
            None => cli.migrations_dir.clone(),
        };
        Settings {
            bundle,
            database_url: match &cli.database_url_env {
                Some(_) => env.url_from_var.clone().ok().flatten(),
                None => cli.database_url.clone().filter(|u| !u.trim().is_empty()),
            },
            url_var: cli
                .database_url_env
                .clone()
                .unwrap_or_else(|| "DATABASE_URL".to_string()),
            shadow_database_url: env.shadow_database_url.clone(),
            schema_file_env: env.schema_file.clone(),
            migrations_dir: dir.unwrap_or_else(|| PathBuf::from("./migrations")),
            format: cli.format,
            verbosity: cli.verbose,
            pgpassword: env.pgpassword.clone(),
        }
    }

    /// The database URL, or the error that names where it should have come from.
    pub fn url(&self) -> Result<&str, crate::error::MigratorError> {
        self.database_url
            .as_deref()
            .ok_or_else(|| crate::error::MigratorError::NoDatabaseUrl {
                var: self.url_var.clone(),
            })
    }

    /// The migrations folder as shown in messages.
    pub fn dir_display(&self) -> String {
        self.migrations_dir.display().to_string()
    }

    /// The migrations folder as a file reference.
    pub fn dir_ref(&self) -> protocol::text::FileRef {
        crate::error::dir_ref(&self.dir_display())
    }

    /// A file of the migrations folder as a file reference (shown as [`Settings::shown`]).
    pub fn file_ref(&self, path: &std::path::Path) -> protocol::text::FileRef {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        protocol::text::FileRef::new(protocol::text::Base::Migration, name, self.shown(path))
    }

    /// How a file of the migrations folder is shown: as given on the command line, not
    /// canonicalised (so `./migrations/…` stays short and matches the user's view).
    pub fn shown(&self, path: &std::path::Path) -> String {
        match path.file_name() {
            Some(name) => self.migrations_dir.join(name).display().to_string(),
            None => path.display().to_string(),
        }
    }
}
