//! Typed settings resolved once from `admin`'s command line and the process environment: the
//! only place that reads the environment (clippy's `disallowed-methods` holds everything else
//! to it).

use std::path::PathBuf;

use super::cli::Cli;
use super::compose::{EnvMap, ResolveOptions};
use crate::output::Format;

#[derive(Debug, Clone)]
pub struct Settings {
    pub resolve: ResolveOptions,
    pub cwd: PathBuf,
    /// The process environment, read once here (values may be secrets: never printed).
    pub os_env: EnvMap,
    pub up: bool,
    /// `--run`: always a one-off container.
    pub run: bool,
    /// `--files`.
    pub files: Option<crate::files::FilesFrom>,
    /// `--migrations-dir`.
    pub migrations_dir: Option<PathBuf>,
    pub format: Format,
    pub verbosity: u8,
}

/// The process environment, read once (non-UTF-8 entries cannot take part in Compose
/// interpolation and are left out).
#[allow(
    clippy::disallowed_methods,
    reason = "the one place that reads the environment"
)]
pub fn process_env() -> EnvMap {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// `NO_COLOR` is set (and not empty) in `env`.
pub fn no_color(env: &EnvMap) -> bool {
    env.get("NO_COLOR").is_some_and(|v| !v.is_empty())
}

impl Settings {
    pub fn resolve(cli: &Cli, cwd: PathBuf, os_env: EnvMap) -> Settings {
        Settings {
            resolve: ResolveOptions {
                files: cli.files.clone(),
                project_name: cli.project_name.clone(),
                project_directory: cli.project_directory.clone(),
                env_files: cli.env_file.clone(),
                service: cli.service.clone(),
            },
            cwd,
            os_env,
            up: cli.up,
            run: cli.run,
            files: cli.files_from,
            migrations_dir: cli.migrations_dir.clone(),
            format: cli.format,
            verbosity: cli.verbose,
        }
    }

    /// The process environment as Docker/bollard will see it (DOCKER_HOST).
    pub fn docker_host(&self) -> Option<&str> {
        self.os_env.get("DOCKER_HOST").map(String::as_str)
    }
}
