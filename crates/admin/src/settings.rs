//! Typed settings resolved once from `admin`'s command line and the process environment: the
//! only place that reads the environment (clippy's `disallowed-methods` holds everything else
//! to it).

use std::path::PathBuf;

use super::cli::Cli;
use super::compose::{EnvMap, ResolveOptions};
use crate::docker::EngineEnv;
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
    /// `--database` > `ADMIN_DATABASE` (empty = unset).
    pub database: Option<String>,
    /// `--all-databases`.
    pub all_databases: bool,
    pub format: Format,
    pub verbosity: u8,
    /// What decides which Docker engine to use (DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG,
    /// DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH, HOME).
    pub engine: EngineEnv,
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
            up: cli.up,
            run: cli.run,
            files: cli.files_from,
            migrations_dir: cli.migrations_dir.clone(),
            database: cli.database.clone().or_else(|| {
                os_env
                    .get("ADMIN_DATABASE")
                    .filter(|v| !v.is_empty())
                    .cloned()
            }),
            all_databases: cli.all_databases,
            format: cli.format,
            verbosity: cli.verbose,
            engine: engine_env(&os_env),
            os_env,
        }
    }

    /// The engine settings, for `docker::connect_to` (the name predates Docker contexts: it is
    /// everything that picks the engine, not just DOCKER_HOST).
    pub fn docker_host(&self) -> &EngineEnv {
        &self.engine
    }
}

/// The engine settings from the environment, as the docker CLI reads them (empty = unset).
pub fn engine_env(env: &EnvMap) -> EngineEnv {
    let get = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
    EngineEnv {
        docker_host: get("DOCKER_HOST"),
        docker_context: get("DOCKER_CONTEXT"),
        docker_config: get("DOCKER_CONFIG").map(PathBuf::from),
        tls_verify: get("DOCKER_TLS_VERIFY").is_some(),
        tls: get("DOCKER_TLS").is_some(),
        cert_path: get("DOCKER_CERT_PATH").map(PathBuf::from),
        home: get("HOME").map(PathBuf::from),
        ssh_program: None,
        contexts: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_env_reads_the_docker_cli_variables_and_empty_is_unset() {
        let env: EnvMap = [
            ("DOCKER_HOST", ""),
            ("DOCKER_CONTEXT", "remote"),
            ("DOCKER_CONFIG", "/cfg"),
            ("DOCKER_TLS_VERIFY", "0"),
            ("DOCKER_CERT_PATH", "/certs"),
            ("HOME", "/home/me"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let engine = engine_env(&env);
        assert_eq!(engine.docker_host, None);
        assert_eq!(engine.docker_context.as_deref(), Some("remote"));
        assert_eq!(engine.docker_config, Some(PathBuf::from("/cfg")));
        // As in the docker CLI, any non-empty DOCKER_TLS_VERIFY (even "0") turns verification on.
        assert!(engine.tls_verify);
        assert!(!engine.tls);
        assert_eq!(engine.cert_path, Some(PathBuf::from("/certs")));
        assert_eq!(engine.home, Some(PathBuf::from("/home/me")));
        assert!(engine.contexts);
    }
}
