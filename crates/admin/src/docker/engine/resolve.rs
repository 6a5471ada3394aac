//! Pure engine resolution: [`EngineEnv`] + the docker CLI's files → [`Endpoint`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::EngineEnv;
use super::ssh::SshTarget;
use crate::docker::DEFAULT_DOCKER_HOST;

/// Where the engine's address came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `DOCKER_HOST`.
    DockerHost,
    /// A Docker context; `from` says who chose it (`DOCKER_CONTEXT` or the config.json path).
    Context { name: String, from: String },
    /// Nothing set: the local socket (the `default` context).
    Default,
}

/// TLS material for an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    /// Verify the server against `ca` (false only where the docker CLI skips it: `DOCKER_TLS`
    /// without `DOCKER_TLS_VERIFY`, a context with `SkipTLSVerify`).
    pub verify: bool,
    /// The directory it came from (for messages).
    pub dir: PathBuf,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The engine to talk to and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix://…`, `tcp://host:port`, `ssh://…` (may hold a user name, never a password).
    pub host: String,
    pub tls: Option<Tls>,
    pub source: Source,
    ssh: Option<SshTarget>,
}

impl Endpoint {
    /// The `ssh://` target, when the engine is reached over ssh.
    pub fn ssh(&self) -> Option<&SshTarget> {
        self.ssh.as_ref()
    }

    /// For messages and `-v`: `tcp://10.0.0.2:2376 (context remote, TLS)`,
    /// `DOCKER_HOST=tcp://…`, `unix:///var/run/docker.sock (DOCKER_HOST is not set)`.
    pub fn describe(&self) -> String {
        let host = crate::redact::mask_url(&self.host);
        let tls = match &self.tls {
            Some(tls) if tls.verify => ", TLS",
            Some(_) => ", TLS without verifying the server",
            None => "",
        };
        match &self.source {
            Source::DockerHost if self.tls.is_some() => {
                format!("DOCKER_HOST={host} ({})", &tls[2..])
            }
            Source::DockerHost => format!("DOCKER_HOST={host}"),
            Source::Context { name, from } => format!("{host} (context {name} from {from}{tls})"),
            Source::Default => format!("{host} (DOCKER_HOST is not set)"),
        }
    }

    /// The way out of a TLS problem with this endpoint.
    pub fn tls_hint(&self) -> String {
        match &self.source {
            Source::Context { name, .. } => format!(
                "check the context's certificates: docker --context {name} version (docker context inspect {name})"
            ),
            _ => "check the certificates: docker --tlsverify version (ca.pem, cert.pem, key.pem in DOCKER_CERT_PATH)".to_string(),
        }
    }
}

/// Why no endpoint could be resolved (all exit 11). Messages name the context and the file;
/// the last line is `hint: <command>`.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("Docker context `{name}` (from {from}) does not exist: {} is missing\nhint: {hint}", meta.display())]
    ContextNotFound {
        name: String,
        from: String,
        meta: PathBuf,
        hint: String,
    },
    #[error("cannot read the docker CLI configuration {}: {reason}\nhint: fix the JSON in that file, or export DOCKER_CONTEXT=default", file.display())]
    BadConfig { file: PathBuf, reason: String },
    #[error("cannot read Docker context `{name}` from {}: {reason}\nhint: docker context inspect {name}", file.display())]
    BadContext {
        name: String,
        file: PathBuf,
        reason: String,
    },
    #[error("Docker context `{name}` has no Docker endpoint ({})\nhint: docker context update {name} --docker host=unix:///var/run/docker.sock", file.display())]
    NoDockerEndpoint { name: String, file: PathBuf },
    #[error("{engine}: TLS file {} is missing\nhint: {hint}", file.display())]
    MissingTlsFile {
        engine: String,
        file: PathBuf,
        hint: String,
    },
    #[error("{engine}: cannot use the TLS material in {dir}: {reason}\nhint: {hint}")]
    TlsMaterial {
        engine: String,
        dir: String,
        reason: String,
        hint: String,
    },
    #[error(
        "cannot use {host} ({from}): {reason}\nhint: use ssh://[user@]host[:port] (a key or ssh-agent, never a password in the URL)"
    )]
    BadSsh {
        host: String,
        from: String,
        reason: String,
    },
}

/// The docker CLI's configuration directory: `DOCKER_CONFIG`, else `~/.docker`.
pub fn config_dir(env: &EngineEnv) -> Option<PathBuf> {
    env.docker_config
        .clone()
        .or_else(|| env.home.as_ref().map(|h| h.join(".docker")))
}

/// The directory name the docker CLI stores a context under: the SHA-256 of its name, in hex.
pub fn context_dir_name(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Resolves the engine as the docker CLI does (see the module docs of `engine`).
pub fn resolve(env: &EngineEnv) -> Result<Endpoint, EngineError> {
    let config = config_dir(env);
    if let Some(host) = &env.docker_host {
        return from_env_host(env, host, Source::DockerHost, config.as_deref());
    }
    let chosen = if env.contexts {
        chosen_context(env, config.as_deref())?
    } else {
        None
    };
    match chosen {
        Some((name, from)) if name != "default" => {
            // A context is only reachable with a configuration directory (chosen_context
            // found one, or DOCKER_CONTEXT names a context and there is none).
            let Some(config) = config else {
                return Err(not_found(&name, &from, PathBuf::from("~/.docker/contexts")));
            };
            from_context(&config, name, from)
        }
        _ => from_env_host(env, DEFAULT_DOCKER_HOST, Source::Default, config.as_deref()),
    }
}

/// The context named by `DOCKER_CONTEXT` or config.json's `currentContext`, with who named it.
fn chosen_context(
    env: &EngineEnv,
    config: Option<&Path>,
) -> Result<Option<(String, String)>, EngineError> {
    if let Some(name) = &env.docker_context {
        return Ok(Some((name.clone(), "DOCKER_CONTEXT".to_string())));
    }
    let Some(config) = config else {
        return Ok(None);
    };
    let file = config.join("config.json");
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(EngineError::BadConfig {
                file,
                reason: e.to_string(),
            });
        }
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| EngineError::BadConfig {
            file: file.clone(),
            reason: e.to_string(),
        })?;
    Ok(value
        .get("currentContext")
        .and_then(serde_json::Value::as_str)
        .filter(|name| !name.is_empty())
        .map(|name| (name.to_string(), file.display().to_string())))
}

fn not_found(name: &str, from: &str, meta: PathBuf) -> EngineError {
    let hint = if from == "DOCKER_CONTEXT" {
        "docker context ls (then export DOCKER_CONTEXT=<one of them>, or unset DOCKER_CONTEXT)"
            .to_string()
    } else {
        "docker context use default".to_string()
    };
    EngineError::ContextNotFound {
        name: name.to_string(),
        from: from.to_string(),
        meta,
        hint,
    }
}

/// A context's endpoint from its meta.json and TLS directory.
fn from_context(config: &Path, name: String, from: String) -> Result<Endpoint, EngineError> {
    let id = context_dir_name(&name);
    let meta = config
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let text = match std::fs::read_to_string(&meta) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(not_found(&name, &from, meta));
        }
        Err(e) => {
            return Err(EngineError::BadContext {
                name,
                file: meta,
                reason: e.to_string(),
            });
        }
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| EngineError::BadContext {
            name: name.clone(),
            file: meta.clone(),
            reason: e.to_string(),
        })?;
    let docker = value.pointer("/Endpoints/docker");
    let Some(host) = docker
        .and_then(|d| d.get("Host"))
        .and_then(serde_json::Value::as_str)
        .filter(|h| !h.is_empty())
    else {
        return Err(EngineError::NoDockerEndpoint { name, file: meta });
    };
    let skip_verify = docker
        .and_then(|d| d.get("SkipTLSVerify"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let tls_dir = config.join("contexts").join("tls").join(&id).join("docker");
    let source = Source::Context {
        name: name.clone(),
        from,
    };
    let has_material = ["ca.pem", "cert.pem", "key.pem"]
        .iter()
        .any(|f| tls_dir.join(f).exists());
    // The docker CLI: TLS when the context has TLS material or skips verification.
    let tls = if has_material || skip_verify {
        Some(TlsWanted {
            dir: tls_dir,
            verify: !skip_verify,
        })
    } else {
        None
    };
    endpoint(host, tls, source)
}

/// TLS as asked for, before the files are checked.
struct TlsWanted {
    dir: PathBuf,
    verify: bool,
}

/// `DOCKER_HOST` (or the default socket) with the environment's TLS settings: TLS when
/// `DOCKER_TLS_VERIFY` or `DOCKER_TLS` is set (verifying only with `DOCKER_TLS_VERIFY`), the
/// files in `DOCKER_CERT_PATH`, else the configuration directory. `DOCKER_CERT_PATH` alone does
/// not turn TLS on (docker CLI rules).
fn from_env_host(
    env: &EngineEnv,
    host: &str,
    source: Source,
    config: Option<&Path>,
) -> Result<Endpoint, EngineError> {
    let dir = env
        .cert_path
        .clone()
        .or_else(|| config.map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from(".docker"));
    let tls = if env.tls_verify || env.tls {
        Some(TlsWanted {
            dir,
            verify: env.tls_verify,
        })
    } else if host.starts_with("https://") {
        // https:// always means TLS, verified, with the same files.
        Some(TlsWanted { dir, verify: true })
    } else {
        None
    };
    endpoint(host, tls, source)
}

fn endpoint(host: &str, tls: Option<TlsWanted>, source: Source) -> Result<Endpoint, EngineError> {
    let from = match &source {
        Source::DockerHost => "DOCKER_HOST".to_string(),
        Source::Context { name, .. } => format!("context {name}"),
        Source::Default => "default".to_string(),
    };
    if host.starts_with("ssh://") {
        let target = SshTarget::parse(host).map_err(|reason| EngineError::BadSsh {
            host: crate::redact::mask_url(host),
            from,
            reason,
        })?;
        return Ok(Endpoint {
            host: host.to_string(),
            tls: None,
            source,
            ssh: Some(target),
        });
    }
    let is_tcp = host.starts_with("tcp://") || host.starts_with("https://");
    // TLS only applies to TCP engines (a unix socket ignores DOCKER_TLS_VERIFY, as in the CLI).
    let tls = tls.filter(|_| is_tcp);
    let mut found = Endpoint {
        host: with_default_port(host, tls.is_some()),
        tls: None,
        source,
        ssh: None,
    };
    if let Some(wanted) = tls {
        let tls = Tls {
            verify: wanted.verify,
            ca: wanted.dir.join("ca.pem"),
            cert: wanted.dir.join("cert.pem"),
            key: wanted.dir.join("key.pem"),
            dir: wanted.dir,
        };
        if tls.verify && !tls.ca.exists() {
            let hint = match &found.source {
                Source::Context { name, .. } => format!(
                    "docker context update {name} --docker host={},ca=<ca.pem>,cert=<cert.pem>,key=<key.pem>",
                    found.host
                ),
                _ => "export DOCKER_CERT_PATH=<the directory with ca.pem, cert.pem and key.pem>"
                    .to_string(),
            };
            return Err(EngineError::MissingTlsFile {
                engine: found.describe(),
                file: tls.ca.clone(),
                hint,
            });
        }
        found.tls = Some(tls);
    }
    Ok(found)
}

/// `tcp://host` → `tcp://host:2375` (`:2376` with TLS), as the docker CLI fills in the port.
fn with_default_port(host: &str, tls: bool) -> String {
    let Some(rest) = host.strip_prefix("tcp://") else {
        return host.to_string();
    };
    let Ok(url) = url::Url::parse(host) else {
        return host.to_string();
    };
    if url.port().is_some() {
        return host.to_string();
    }
    let port = if tls { 2376 } else { 2375 };
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    let authority = if authority.is_empty() {
        "localhost"
    } else {
        authority
    };
    format!("tcp://{authority}:{port}{path}")
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
