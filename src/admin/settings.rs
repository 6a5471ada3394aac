//! Typed settings resolved once from `admin`'s command line and the process environment.

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
    pub format: Format,
    pub verbosity: u8,
}

impl Settings {
    pub fn resolve(cli: &Cli, cwd: PathBuf, os_env: EnvMap) -> Settings {
        Settings {
            resolve: ResolveOptions {
                files: cli.files.clone(),
                project_name: cli.project_name.clone(),
                project_directory: cli.project_directory.clone(),
                env_files: cli.env_file.iter().cloned().collect(),
                service: cli.service.clone(),
            },
            cwd,
            os_env,
            up: cli.up,
            format: cli.format,
            verbosity: cli.verbose,
        }
    }

    /// The process environment as Docker/bollard will see it (DOCKER_HOST).
    pub fn docker_host(&self) -> Option<&str> {
        self.os_env.get("DOCKER_HOST").map(String::as_str)
    }
}
