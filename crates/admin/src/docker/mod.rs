//! The Docker layer of `admin`: connect to the engine, find a Compose service's running
//! container, read its environment and run an argv in it. Engine API only (bollard): never the
//! docker CLI, never `sh -c`. Knows nothing about Compose files or Postgres: callers pass a
//! project name, a service name and an argv.
//!
//! ```text
//! let docker = connect_to(host).await?;                                   // ping with a 5 s timeout
//! let found = find_container(&docker, "shop", "api").await?;       // Running / NotRunning / Missing
//! let container = found.require_running("shop", "api", "docker compose -p shop up -d api")?;
//! let env = container_env(&docker, &container.id).await?;          // never print the values
//! let outcome = exec(&docker, &container.id, request, &mut sink).await?;
//! ```

mod attached;
mod container;
mod engine;
mod exec;
mod oneoff;
mod sink;
mod start_failure;
mod swarm;
mod swarm_job;
mod terminal;

use std::time::Duration;

use bollard::errors::Error as BollardError;

use crate::exit::ExitCode;

pub use container::{
    ContainerLookup, LABEL_NUMBER, LABEL_ONEOFF, LABEL_PROJECT, LABEL_SERVICE, Readiness,
    ServiceContainer, container_env, find_container, label_filters, readiness,
};
pub use engine::{
    Endpoint, EngineEnv, EngineError, Source, SshTarget, connect, connect_to, resolve,
};
pub use exec::{DETACH_KEYS, ExecMode, ExecOutcome, ExecRequest, ExecStdin, exec};
pub use oneoff::{ContainerSpec, run_container};
pub use sink::{LineSink, LineSplitter, OutputSink};
pub use start_failure::StartFailure;
pub use swarm::{
    LABEL_STACK, LABEL_SWARM_SERVICE, StackLookup, find_stack_service, stack_service_spec,
};
pub use swarm_job::run_job;
pub use terminal::{RawModeGuard, terminal_size};

/// How long [`connect`] waits for the engine to answer its ping.
pub const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// The engine bollard uses when `DOCKER_HOST` is unset.
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// Everything that can go wrong talking to Docker. [`DockerError::exit_code`] maps each variant to
/// the process exit code; messages a user can act on end with a `hint: ` line.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// `DOCKER_HOST` names a scheme bollard cannot use (e.g. `ssh://`, `https://` without TLS).
    #[error(
        "cannot use DOCKER_HOST={host}: {source}\nhint: export DOCKER_HOST=unix:///var/run/docker.sock"
    )]
    BadHost {
        host: String,
        #[source]
        source: Box<BollardError>,
    },
    /// No engine could be resolved (unknown context, unreadable config, TLS files, ssh URL).
    #[error(transparent)]
    Engine(Box<EngineError>),
    /// The engine does not answer (socket missing, permission denied, connection refused, timeout).
    #[error("cannot reach the Docker engine at {endpoint}: {reason}\nhint: {hint}")]
    Unreachable {
        /// `DOCKER_HOST=…` or the default socket path, for the message.
        endpoint: String,
        reason: String,
        hint: String,
    },
    /// The service has no running container. `hint` is the caller's exact command to start it.
    #[error("{}", not_running_message(project, service, state.as_deref(), hint))]
    ContainerNotRunning {
        project: String,
        service: String,
        /// `exited`, `created`, … when a stopped container exists; `None` when there is none.
        state: Option<String>,
        hint: String,
    },
    /// The container disappeared or stopped between lookup and exec.
    #[error("container {container} is gone or not running: {source}")]
    ContainerGone {
        container: String,
        #[source]
        source: Box<BollardError>,
    },
    /// An Engine API call failed.
    #[error("Docker API call {call} failed for {target}: {source}")]
    Api {
        call: &'static str,
        target: String,
        #[source]
        source: Box<BollardError>,
    },
    /// The runtime could not start the program (missing binary, unknown user, bad working dir).
    /// The exit code (126/127) is passed through.
    #[error("{0}")]
    ExecStartFailed(Box<StartFailure>),
    /// The attached output stream of an exec broke before the program finished.
    #[error("lost the output stream of `{program}` in container {container}: {source}")]
    Stream {
        program: String,
        container: String,
        #[source]
        source: Box<BollardError>,
    },
    /// Copying host stdin into the exec failed.
    #[error("cannot copy stdin to `{program}` in container {container}: {source}")]
    Stdin {
        program: String,
        container: String,
        #[source]
        source: std::io::Error,
    },
    /// A caller's output sink failed (e.g. host stdout closed).
    #[error("cannot write the output of `{program}`: {source}")]
    Output {
        program: String,
        #[source]
        source: std::io::Error,
    },
    /// Raw mode, terminal size or signal handling failed on the host terminal.
    #[error(
        "terminal error while {action}: {source}\nhint: run without a terminal: echo CMD | admin db shell"
    )]
    Terminal {
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// A Swarm one-off job could not run (rejected, not scheduled).
    #[error(
        "the one-off swarm job {job} did not run: {why}\nhint: check the service's placement and image on the nodes: docker service inspect --pretty {job}"
    )]
    JobFailed { job: String, why: String },
    /// The engine reports the exec finished but gives no exit code.
    #[error("the Docker engine reported no exit code for exec {exec_id} in container {container}")]
    NoExitCode { exec_id: String, container: String },
}

impl DockerError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            DockerError::BadHost { .. }
            | DockerError::Unreachable { .. }
            | DockerError::Engine(_) => ExitCode::DockerUnreachable,
            DockerError::ContainerNotRunning { .. }
            | DockerError::ContainerGone { .. }
            | DockerError::JobFailed { .. } => ExitCode::ContainerNotRunning,
            DockerError::ExecStartFailed(failure) => exit_code_of(failure.exit_code),
            DockerError::Api { source, .. } if is_connection_error(source.as_ref()) => {
                ExitCode::DockerUnreachable
            }
            _ => ExitCode::Failure,
        }
    }
}

fn not_running_message(project: &str, service: &str, state: Option<&str>, hint: &str) -> String {
    let what = match state {
        Some(state) => format!("its container is {state}"),
        None => "no container exists".to_string(),
    };
    format!(
        "service `{service}` of Compose project `{project}` is not running ({what})\nhint: {hint}"
    )
}

/// Maps a program's exit status to the process exit code: 0 is success, 1..=255 pass through,
/// anything else (negative, or the engine's -1 for "unknown") is a generic failure.
pub fn exit_code_of(code: i64) -> ExitCode {
    match u8::try_from(code) {
        Ok(0) => ExitCode::Success,
        Ok(c) => ExitCode::External(c),
        Err(_) => ExitCode::Failure,
    }
}

fn is_connection_error(err: &BollardError) -> bool {
    matches!(
        err,
        BollardError::IOError { .. }
            | BollardError::HyperResponseError { .. }
            | BollardError::HyperLegacyError { .. }
            | BollardError::RequestTimeoutError
            | BollardError::SocketNotFoundError(_)
    )
}

/// The host user as `UID:GID`, for running a command in the container as that user (files it
/// writes to bind mounts then belong to the host user).
pub fn host_user() -> String {
    format!(
        "{}:{}",
        rustix::process::getuid().as_raw(),
        rustix::process::getgid().as_raw()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_pass_through_and_clamp() {
        assert_eq!(exit_code_of(0), ExitCode::Success);
        assert_eq!(exit_code_of(3).code(), 3);
        assert_eq!(exit_code_of(127).code(), 127);
        assert_eq!(exit_code_of(255).code(), 255);
        assert_eq!(exit_code_of(-1), ExitCode::Failure);
        assert_eq!(exit_code_of(256), ExitCode::Failure);
    }

    #[test]
    fn not_running_error_has_state_and_hint_last() {
        let err = DockerError::ContainerNotRunning {
            project: "shop".into(),
            service: "api".into(),
            state: Some("exited".into()),
            hint: "docker compose -p shop up -d api".into(),
        };
        assert_eq!(
            err.to_string(),
            "service `api` of Compose project `shop` is not running (its container is exited)\n\
             hint: docker compose -p shop up -d api"
        );
        assert_eq!(err.exit_code().code(), 12);
    }

    #[test]
    fn host_user_is_numeric_uid_gid() {
        let user = host_user();
        let (uid, gid) = user.split_once(':').unwrap();
        assert_eq!(
            uid.parse::<u32>().unwrap(),
            rustix::process::getuid().as_raw()
        );
        assert_eq!(
            gid.parse::<u32>().unwrap(),
            rustix::process::getgid().as_raw()
        );
    }
}
