//! Which engine to talk to, resolved exactly as the docker CLI does it, and the connection.
//!
//! Precedence: `DOCKER_HOST` > `DOCKER_CONTEXT` > `currentContext` in `$DOCKER_CONFIG/config.json`
//! (default `~/.docker/config.json`) > the `default` context (the local socket). A context's
//! endpoint is `$DOCKER_CONFIG/contexts/meta/<sha256 of its name>/meta.json`
//! (`Endpoints.docker.{Host,SkipTLSVerify}`), its TLS material
//! `$DOCKER_CONFIG/contexts/tls/<same>/docker/{ca,cert,key}.pem`. Without a context, TLS comes
//! from `DOCKER_TLS_VERIFY` / `DOCKER_TLS` and `DOCKER_CERT_PATH` (default `$DOCKER_CONFIG`,
//! i.e. `~/.docker`). [`resolve`] is pure (files are read, the environment is an input:
//! [`EngineEnv`], filled by `settings.rs`); [`connect`] opens and pings the result.
//!
//! Transports: `unix://` (Docker, or Podman's compatible socket), `tcp://` / `http://` (plain),
//! `tcp://` + TLS / `https://` (bollard's rustls), `ssh://[user@]host[:port]` (as the docker CLI:
//! `ssh … -- host docker system dial-stdio`, see `engine/ssh.rs`).

mod insecure;
mod resolve;
mod ssh;

use std::path::PathBuf;
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::{API_DEFAULT_VERSION, Docker};

use super::{DEFAULT_DOCKER_HOST, DockerError, PING_TIMEOUT};
pub use resolve::{Endpoint, EngineError, Source, Tls, resolve};
pub use ssh::SshTarget;

/// How long a request may take once connected (bollard's default).
const REQUEST_TIMEOUT_SECS: u64 = 120;

/// How long an `ssh://` engine gets to answer its first ping: ssh's own `ConnectTimeout` (30 s,
/// as the docker CLI sets it) plus the handshake.
const SSH_PING_TIMEOUT: Duration = Duration::from_secs(40);

/// What engine resolution reads from the environment (empty values count as unset, as in the
/// docker CLI). Filled once by `settings.rs`; tests build it by hand.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EngineEnv {
    /// `DOCKER_HOST`.
    pub docker_host: Option<String>,
    /// `DOCKER_CONTEXT`.
    pub docker_context: Option<String>,
    /// `DOCKER_CONFIG` (the docker CLI's configuration directory).
    pub docker_config: Option<PathBuf>,
    /// `DOCKER_TLS_VERIFY` is set (any non-empty value, `0` included, as in the docker CLI).
    pub tls_verify: bool,
    /// `DOCKER_TLS` is set: TLS without verifying the server.
    pub tls: bool,
    /// `DOCKER_CERT_PATH`.
    pub cert_path: Option<PathBuf>,
    /// `HOME`, for `~/.docker`.
    pub home: Option<PathBuf>,
    /// The ssh client for `ssh://` engines (`None`: `ssh` from PATH, as the docker CLI; tests
    /// point it at a wrapper with their own key and known hosts).
    pub ssh_program: Option<PathBuf>,
    /// Consult Docker contexts (false for a bare `DOCKER_HOST` value, see `From<Option<&str>>`).
    pub contexts: bool,
}

impl std::fmt::Debug for EngineEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineEnv")
            .field(
                "docker_host",
                &self.docker_host.as_deref().map(crate::redact::mask_url),
            )
            .field("docker_context", &self.docker_context)
            .field("docker_config", &self.docker_config)
            .field("tls_verify", &self.tls_verify)
            .field("tls", &self.tls)
            .field("cert_path", &self.cert_path)
            .field("home", &self.home)
            .field("ssh_program", &self.ssh_program)
            .field("contexts", &self.contexts)
            .finish()
    }
}

/// A bare `DOCKER_HOST` value (`None`: the default socket); no contexts, no TLS variables.
impl From<Option<&str>> for EngineEnv {
    fn from(docker_host: Option<&str>) -> EngineEnv {
        EngineEnv {
            docker_host: docker_host.filter(|h| !h.is_empty()).map(str::to_string),
            ..EngineEnv::default()
        }
    }
}

impl From<&EngineEnv> for EngineEnv {
    fn from(env: &EngineEnv) -> EngineEnv {
        env.clone()
    }
}

/// Resolves the engine like the docker CLI, connects and pings it (see [`connect`]). Logs the
/// engine and why it was chosen at `-v` (`engine: tcp://10.0.0.2:2376 (context remote, TLS)`).
pub async fn connect_to(env: impl Into<EngineEnv>) -> Result<Docker, DockerError> {
    let (docker, endpoint) = connect(&env.into()).await?;
    tracing::debug!("engine: {}", endpoint.describe());
    Ok(docker)
}

/// Resolves the engine, connects and pings it; returns the endpoint too, for callers that say
/// which engine they use.
pub async fn connect(env: &EngineEnv) -> Result<(Docker, Endpoint), DockerError> {
    let endpoint = resolve(env).map_err(|e| DockerError::Engine(Box::new(e)))?;
    let docker = open(&endpoint, env.ssh_program.as_deref())?;
    let timeout = if endpoint.ssh().is_some() {
        SSH_PING_TIMEOUT
    } else {
        PING_TIMEOUT
    };
    match tokio::time::timeout(timeout, docker.ping()).await {
        Err(_elapsed) => {
            return Err(unreachable(
                &endpoint,
                &format!("no answer within {} s", timeout.as_secs()),
            ));
        }
        Ok(Err(err)) => return Err(unreachable(&endpoint, &error_chain(&err))),
        Ok(Ok(_)) => {}
    }
    let docker = docker
        .negotiate_version()
        .await
        .map_err(|err| unreachable(&endpoint, &error_chain(&err)))?;
    Ok((docker, endpoint))
}

/// A bollard client for the endpoint (nothing is sent yet).
fn open(endpoint: &Endpoint, ssh_program: Option<&std::path::Path>) -> Result<Docker, DockerError> {
    let host = endpoint.host.as_str();
    let bad_host = |source: BollardError| DockerError::BadHost {
        host: crate::redact::mask_url(host),
        source: Box::new(source),
    };
    if let Some(target) = endpoint.ssh() {
        return Docker::connect_with_custom_transport(
            ssh::transport(
                ssh_program.map_or_else(|| PathBuf::from("ssh"), std::path::Path::to_path_buf),
                target.argv(),
            ),
            Some("http://docker"),
            REQUEST_TIMEOUT_SECS,
            API_DEFAULT_VERSION,
        )
        .map_err(bad_host);
    }
    if let Some(tls) = endpoint.tls.as_ref().filter(|tls| !tls.verify) {
        return insecure::connect(host, tls, REQUEST_TIMEOUT_SECS)
            .map_err(|reason| tls_error_text(endpoint, tls, reason));
    }
    if let Some(tls) = &endpoint.tls {
        return Docker::connect_with_ssl(
            host,
            &tls.key,
            &tls.cert,
            &tls.ca,
            REQUEST_TIMEOUT_SECS,
            API_DEFAULT_VERSION,
        )
        .map_err(|err| tls_error(endpoint, tls, err));
    }
    let result = if host.starts_with("unix://") {
        Docker::connect_with_unix(host, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
    } else if host.starts_with("tcp://") || host.starts_with("http://") {
        Docker::connect_with_http(host, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
    } else {
        Err(BollardError::UnsupportedURISchemeError {
            uri: host.to_string(),
        })
    };
    result.map_err(|err| match err {
        err @ BollardError::UnsupportedURISchemeError { .. } => bad_host(err),
        err => unreachable(endpoint, &err.to_string()),
    })
}

fn tls_error(endpoint: &Endpoint, tls: &Tls, err: BollardError) -> DockerError {
    tls_error_text(endpoint, tls, error_chain(&err))
}

fn tls_error_text(endpoint: &Endpoint, tls: &Tls, reason: String) -> DockerError {
    DockerError::Engine(Box::new(EngineError::TlsMaterial {
        engine: endpoint.describe(),
        dir: tls.dir.display().to_string(),
        reason,
        hint: endpoint.tls_hint(),
    }))
}

fn unreachable(endpoint: &Endpoint, reason: &str) -> DockerError {
    DockerError::Unreachable {
        hint: unreachable_hint(endpoint, reason),
        endpoint: endpoint.describe(),
        reason: reason.to_string(),
    }
}

/// The next step for an unreachable engine, from where it came from and the failure reason.
pub(super) fn unreachable_hint(endpoint: &Endpoint, reason: &str) -> String {
    let lower = reason.to_ascii_lowercase();
    if endpoint.host.starts_with("unix://") && lower.contains("permission denied") {
        return "add yourself to the docker group: sudo usermod -aG docker $USER (then log in again)"
            .to_string();
    }
    if endpoint.tls.is_some() && (lower.contains("certificate") || lower.contains("tls")) {
        return endpoint.tls_hint();
    }
    match &endpoint.source {
        Source::Context { name, .. } => format!(
            "check the engine of context {name} (docker --context {name} version) or switch: docker context use default"
        ),
        Source::DockerHost => {
            if endpoint.host == DEFAULT_DOCKER_HOST {
                "start Docker (systemctl start docker) or set DOCKER_HOST".to_string()
            } else {
                "check that engine (docker version), or unset DOCKER_HOST to use the local one"
                    .to_string()
            }
        }
        Source::Default => "start Docker (systemctl start docker) or set DOCKER_HOST".to_string(),
    }
}

/// `err` and its sources on one line (bollard's top-level messages are often vague).
pub(super) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}
