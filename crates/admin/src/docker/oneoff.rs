//! One-off containers (what `docker compose run --rm` makes): created from a fully resolved
//! [`ContainerSpec`], attached before it starts (so no output is missed), driven like an exec,
//! and removed on every path — exit, error, Ctrl-C (then it is killed first: unlike an exec, a
//! container can be stopped). Knows nothing about Compose: the caller resolves the spec.

use std::collections::HashMap;

use bollard::Docker;
use bollard::errors::Error as BollardError;
use bollard::models::{ContainerCreateBody, EndpointSettings, HostConfig, NetworkingConfig};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptionsBuilder, KillContainerOptionsBuilder,
    RemoveContainerOptionsBuilder,
};

use super::DockerError;
use super::attached::{Run, Session, StopSignals, Streams, drive};
use super::exec::{DETACH_KEYS, ExecMode, ExecOutcome, ExecRequest, ExecStdin};
use super::sink::OutputSink;
use super::start_failure::{StartFailure, start_failure};

/// Everything a one-off container is created with (the argv comes with each run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerSpec {
    /// Container name (unique per run).
    pub name: String,
    pub image: String,
    /// `KEY=VALUE` (values never printed).
    pub env: Vec<String>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    /// Replaces the image's entrypoint when set (`[]` clears it).
    pub entrypoint: Option<Vec<String>>,
    pub labels: HashMap<String, String>,
    /// `SOURCE:TARGET[:ro]` (host paths absolute, or volume names).
    pub binds: Vec<String>,
    /// Target path → options.
    pub tmpfs: HashMap<String, String>,
    /// Networks (engine names) with their aliases; the first is given at create time.
    pub networks: Vec<(String, Vec<String>)>,
    /// `host`, `none`, `container:<id>`…; excludes `networks`.
    pub network_mode: Option<String>,
    pub extra_hosts: Vec<String>,
}

/// Creates the container for `request`, runs it attached, and removes it.
pub async fn run_container<S: OutputSink + ?Sized>(
    docker: &Docker,
    spec: &ContainerSpec,
    request: ExecRequest,
    sink: &mut S,
) -> Result<ExecOutcome, DockerError> {
    let size = super::attached::session_size(&request.mode)?;
    let mut stop = StopSignals::new()?;
    let run = Run {
        docker,
        container: &spec.name,
        program: request.argv.first().cloned().unwrap_or_default(),
        user: request.user.clone().or_else(|| spec.user.clone()),
        working_dir: request
            .working_dir
            .clone()
            .or_else(|| spec.working_dir.clone()),
        session: Session::Container,
    };
    let options = CreateContainerOptionsBuilder::new()
        .name(&spec.name)
        .build();
    docker
        .create_container(Some(options), create_body(spec, &request, size))
        .await
        .map_err(|source| run.api_error("create container", source))?;
    let result = attach_and_drive(&run, spec, request, size, &mut stop, sink).await;
    let interrupted = matches!(result, Ok(ExecOutcome::Interrupted));
    remove(docker, &spec.name, interrupted).await;
    result
}

async fn attach_and_drive<S: OutputSink + ?Sized>(
    run: &Run<'_>,
    spec: &ContainerSpec,
    request: ExecRequest,
    size: Option<(u16, u16)>,
    stop: &mut StopSignals,
    sink: &mut S,
) -> Result<ExecOutcome, DockerError> {
    let docker = run.docker;
    for (network, aliases) in spec.networks.iter().skip(1) {
        let endpoint = EndpointSettings {
            aliases: (!aliases.is_empty()).then(|| aliases.clone()),
            ..Default::default()
        };
        let body = bollard::models::NetworkConnectRequest {
            container: spec.name.clone(),
            endpoint_config: Some(endpoint),
        };
        docker
            .connect_network(network, body)
            .await
            .map_err(|source| run.api_error("connect network", source))?;
    }
    let attach_stdin = wants_stdin(&request.mode);
    let options = AttachContainerOptionsBuilder::new()
        .stream(true)
        .stdout(true)
        .stderr(true)
        .stdin(attach_stdin)
        .detach_keys(DETACH_KEYS)
        .build();
    let attached = docker
        .attach_container(&spec.name, Some(options))
        .await
        .map_err(|source| run.api_error("attach container", source))?;
    if let Err(source) = docker.start_container(&spec.name, None).await {
        return Err(start_error(run, source));
    }
    drive(
        run,
        Streams {
            output: attached.output,
            input: attached.input,
        },
        request.mode,
        size,
        stop,
        sink,
    )
    .await
}

fn wants_stdin(mode: &ExecMode) -> bool {
    !matches!(
        mode,
        ExecMode::Streamed {
            stdin: ExecStdin::Closed
        }
    )
}

/// The create body (pure; unit-tested).
fn create_body(
    spec: &ContainerSpec,
    request: &ExecRequest,
    console: Option<(u16, u16)>,
) -> ContainerCreateBody {
    let interactive = request.mode == ExecMode::Interactive;
    let stdin = wants_stdin(&request.mode);
    let mut env = spec.env.clone();
    env.extend(request.env.iter().cloned());
    let networking = match (&spec.network_mode, spec.networks.first()) {
        (None, Some((network, aliases))) => Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                network.clone(),
                EndpointSettings {
                    aliases: (!aliases.is_empty()).then(|| aliases.clone()),
                    ..Default::default()
                },
            )])),
        }),
        _ => None,
    };
    let host_config = HostConfig {
        binds: (!spec.binds.is_empty()).then(|| spec.binds.clone()),
        tmpfs: (!spec.tmpfs.is_empty()).then(|| spec.tmpfs.clone()),
        network_mode: spec
            .network_mode
            .clone()
            .or_else(|| spec.networks.first().map(|(n, _)| n.clone())),
        extra_hosts: (!spec.extra_hosts.is_empty()).then(|| spec.extra_hosts.clone()),
        console_size: console
            .filter(|(rows, cols)| interactive && *rows > 0 && *cols > 0)
            .map(|(rows, cols)| vec![usize::from(rows), usize::from(cols)]),
        ..Default::default()
    };
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: Some(request.argv.clone()),
        entrypoint: spec.entrypoint.clone(),
        env: (!env.is_empty()).then_some(env),
        user: request.user.clone().or_else(|| spec.user.clone()),
        working_dir: request
            .working_dir
            .clone()
            .or_else(|| spec.working_dir.clone()),
        labels: Some(spec.labels.clone()),
        tty: Some(interactive),
        open_stdin: Some(stdin),
        stdin_once: Some(stdin),
        attach_stdin: Some(stdin),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        host_config: Some(host_config),
        networking_config: networking,
        ..Default::default()
    }
}

/// A start refused by the runtime (program not found, bad user or working dir) is the same
/// failure an exec reports as 126/127.
fn start_error(run: &Run<'_>, source: BollardError) -> DockerError {
    if let BollardError::DockerResponseServerError { message, .. } = &source
        && let Some(found) = start_failure(message.as_bytes()).or_else(|| create_failure(message))
    {
        let lower = message.to_ascii_lowercase();
        let exit_code = if lower.contains("not found") || lower.contains("no such file") {
            127
        } else {
            126
        };
        return DockerError::ExecStartFailed(Box::new(StartFailure {
            program: run.program.clone(),
            container: run.container.to_string(),
            user: run.user.clone(),
            working_dir: run.working_dir.clone(),
            message: found,
            exit_code,
        }));
    }
    run.api_error("start container", source)
}

/// The runtime's words when a container's process cannot start (`docker run` reports them as
/// the start call's error: "failed to create task … OCI runtime create failed … exec:
/// \"migrator\": executable file not found in $PATH").
fn create_failure(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    (lower.contains("oci runtime create failed")
        || lower.contains("unable to start container process"))
    .then(|| message.trim().to_string())
}

/// Removes the container (killing it first when the run was interrupted). Failures are only
/// logged: the run's own result is what the user needs.
async fn remove(docker: &Docker, name: &str, kill: bool) {
    if kill {
        let options = KillContainerOptionsBuilder::new().signal("SIGKILL").build();
        if let Err(err) = docker.kill_container(name, Some(options)).await {
            tracing::debug!("kill of one-off container {name}: {err}");
        }
    }
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(false)
        .build();
    if let Err(err) = docker.remove_container(name, Some(options)).await {
        tracing::warn!("cannot remove one-off container {name}: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ContainerSpec {
        ContainerSpec {
            name: "shop-api-run-1a2b".into(),
            image: "shop-api:1".into(),
            env: vec!["DATABASE_URL=x".into()],
            user: Some("10001".into()),
            working_dir: Some("/app".into()),
            entrypoint: None,
            labels: HashMap::from([("com.docker.compose.oneoff".into(), "True".into())]),
            binds: vec!["/srv/data:/data:ro".into()],
            tmpfs: HashMap::new(),
            networks: vec![
                ("shop_default".into(), vec!["api".into()]),
                ("shop_back".into(), Vec::new()),
            ],
            network_mode: None,
            extra_hosts: Vec::new(),
        }
    }

    fn request(mode: ExecMode) -> ExecRequest {
        ExecRequest {
            argv: vec!["migrator".into(), "migrate".into()],
            env: vec!["NO_COLOR=1".into()],
            user: None,
            working_dir: None,
            mode,
        }
    }

    #[test]
    fn body_carries_the_spec_and_the_argv_unchanged() {
        let body = create_body(
            &spec(),
            &request(ExecMode::Streamed {
                stdin: ExecStdin::Bytes(b"{}".to_vec()),
            }),
            None,
        );
        assert_eq!(body.cmd, Some(vec!["migrator".into(), "migrate".into()]));
        assert_eq!(body.entrypoint, None, "the image's entrypoint stays");
        assert_eq!(
            body.env,
            Some(vec!["DATABASE_URL=x".into(), "NO_COLOR=1".into()])
        );
        assert_eq!(body.user.as_deref(), Some("10001"));
        assert_eq!(
            (body.tty, body.open_stdin, body.stdin_once),
            (Some(false), Some(true), Some(true))
        );
        let host = body.host_config.unwrap_or_default();
        assert_eq!(host.binds, Some(vec!["/srv/data:/data:ro".into()]));
        assert_eq!(host.network_mode.as_deref(), Some("shop_default"));
        let endpoints = body
            .networking_config
            .and_then(|n| n.endpoints_config)
            .unwrap_or_default();
        assert_eq!(endpoints.len(), 1, "the others are connected before start");
        assert_eq!(
            endpoints
                .get("shop_default")
                .and_then(|e| e.aliases.clone()),
            Some(vec!["api".to_string()])
        );
    }

    #[test]
    fn no_stdin_no_attach_and_network_mode_wins() {
        let mut s = spec();
        s.network_mode = Some("host".into());
        let body = create_body(
            &s,
            &request(ExecMode::Streamed {
                stdin: ExecStdin::Closed,
            }),
            None,
        );
        assert_eq!(body.open_stdin, Some(false));
        assert_eq!(body.networking_config, None);
        assert_eq!(
            body.host_config.and_then(|h| h.network_mode).as_deref(),
            Some("host")
        );
    }
}
