//! One file per `admin` subcommand. Shared here: finding (and with `--up`, starting) the API
//! service's running container.

pub mod env_check;
pub mod migrator;
pub mod shell;
pub mod up;

use bollard::Docker;

use super::compose::Project;
use super::docker::{self, ContainerLookup, DockerError, ServiceContainer};
use super::settings::Settings;
use crate::output::Printer;

/// The engine connection and the API service's running container.
pub struct Target {
    pub docker: Docker,
    pub container: ServiceContainer,
}

/// Connects to Docker and finds the running container; with `--up` starts it first.
pub async fn target(
    settings: &Settings,
    project: &Project,
    printer: &Printer,
) -> anyhow::Result<Target> {
    let docker = docker::connect_to(settings.docker_host()).await?;
    let lookup = docker::find_container(&docker, &project.name, &project.service).await?;
    let container = match lookup {
        ContainerLookup::Running(c) => c,
        other if settings.up => {
            let state = match &other {
                ContainerLookup::NotRunning(c) => c.state.clone(),
                _ => "not created".to_string(),
            };
            printer.status(&format!(
                "The {} container is {state}; starting it (--up)...",
                project.service
            ))?;
            up::start(settings, project).await?;
            up::wait_ready(&docker, project, printer).await?
        }
        other => other.require_running(
            &project.name,
            &project.service,
            &format!("{}  (or re-run with --up)", up::up_hint(project).await),
        )?,
    };
    printer.verbose(&format!(
        "using container {} of service {} (project {})",
        container.name, project.service, project.name
    ))?;
    Ok(Target { docker, container })
}

/// True when `program` can be started in the container (used to prefer bash over sh).
pub async fn has_program(target: &Target, program: &str) -> Result<bool, DockerError> {
    let request = docker::ExecRequest {
        argv: vec![program.to_string(), "--version".to_string()],
        env: Vec::new(),
        user: None,
        working_dir: None,
        mode: docker::ExecMode::Streamed {
            stdin: docker::ExecStdin::Closed,
        },
    };
    let mut sink = Discard;
    match docker::exec(&target.docker, &target.container.name, request, &mut sink).await {
        Ok(docker::ExecOutcome::Exited(code)) => Ok(code == 0),
        Ok(docker::ExecOutcome::Interrupted) => Ok(false),
        Err(DockerError::ExecStartFailed(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A sink that drops output (probes only).
struct Discard;

impl docker::OutputSink for Discard {
    fn stdout(&mut self, _bytes: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
    fn stderr(&mut self, _bytes: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
}

/// Passes a remote program's output straight through the printer.
pub struct Passthrough<'p>(pub &'p Printer);

impl docker::OutputSink for Passthrough<'_> {
    fn stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.raw_stdout(bytes)
    }
    fn stderr(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.raw_stderr(bytes)
    }
}
