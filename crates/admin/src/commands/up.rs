//! `--up`: starts the API service through the Compose CLI that exists (`docker compose`, else
//! `docker-compose`; argv only, never a shell), then waits until its container runs (and is
//! healthy when it has a healthcheck).

use std::process::Stdio;
use std::time::{Duration, Instant};

use bollard::Docker;

use crate::compose::{Project, shell_join};
use crate::docker::{self, ContainerLookup, Readiness, ServiceContainer};
use crate::error::AdminError;
use crate::output::Printer;
use crate::settings::Settings;

const READY_TIMEOUT: Duration = Duration::from_secs(180);
const POLL: Duration = Duration::from_millis(500);

/// The Compose CLI to use: `["docker", "compose"]` (v2) or `["docker-compose"]` (v1).
pub async fn compose_cli() -> Option<Vec<String>> {
    for candidate in [vec!["docker", "compose"], vec!["docker-compose"]] {
        let mut cmd = tokio::process::Command::new(candidate[0]);
        cmd.args(&candidate[1..])
            .arg("version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Ok(status) = cmd.status().await
            && status.success()
        {
            return Some(candidate.into_iter().map(String::from).collect());
        }
    }
    None
}

/// The exact command that starts the service with the Compose CLI installed here (for hints).
pub async fn up_hint(project: &Project) -> String {
    match compose_cli().await {
        Some(cli) => {
            let mut argv = cli;
            argv.extend(project.compose_args());
            argv.extend(["up", "-d", &project.service].map(String::from));
            shell_join(&argv)
        }
        None => shell_join(&project.up_command()),
    }
}

/// Runs `<compose> <project args> up -d <service>`; Compose's own output goes to stderr.
pub async fn start(settings: &Settings, project: &Project) -> Result<(), AdminError> {
    let Some(cli) = compose_cli().await else {
        return Err(AdminError::NoComposeCli {
            service: project.service.clone(),
            command: shell_join(&project.up_command()),
        });
    };
    let mut argv = cli;
    argv.extend(project.compose_args());
    argv.extend(["up", "-d", &project.service].map(String::from));
    let mut cmd = tokio::process::Command::new(&argv[0]);
    cmd.args(&argv[1..])
        // The resolved environment (.env merged, real env wins), so every Compose version
        // interpolates the files exactly as we did, whichever .env it would look for.
        .envs(&project.env)
        .current_dir(&settings.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::from(stderr_fd()?));
    let status = cmd.status().await?;
    if !status.success() {
        return Err(AdminError::UpFailed {
            command: shell_join(&argv),
            status: status
                .code()
                .map(|c| c.to_string())
                .unwrap_or_else(|| "killed by a signal".into()),
        });
    }
    Ok(())
}

/// Waits until the service's container runs (and is healthy if it has a healthcheck).
pub async fn wait_ready(
    docker: &Docker,
    project: &Project,
    printer: &Printer,
) -> anyhow::Result<ServiceContainer> {
    let started = Instant::now();
    let mut last = "not created".to_string();
    let logs = shell_join(&project.compose_command(&["logs", &project.service]));
    loop {
        if let ContainerLookup::Running(c) | ContainerLookup::NotRunning(c) =
            docker::find_container(docker, &project.name, &project.service).await?
        {
            match docker::readiness(docker, &c.id).await? {
                Readiness::Ready => {
                    printer.status(&format!(
                        "{} is ready ({:.1} s).",
                        c.name,
                        started.elapsed().as_secs_f64()
                    ))?;
                    return Ok(c);
                }
                Readiness::Failed { state } => {
                    return Err(AdminError::NotReady {
                        service: project.service.clone(),
                        seconds: started.elapsed().as_secs(),
                        state,
                        logs,
                    }
                    .into());
                }
                Readiness::Waiting { state, health } => {
                    last = match health {
                        Some(h) => format!("{state}, {h}"),
                        None => state,
                    };
                }
            }
        }
        if started.elapsed() >= READY_TIMEOUT {
            return Err(AdminError::NotReady {
                service: project.service.clone(),
                seconds: READY_TIMEOUT.as_secs(),
                state: last,
                logs,
            }
            .into());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A duplicate of our stderr, so the child's stdout lands there (our stdout is for data).
fn stderr_fd() -> std::io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::AsFd;
    std::io::stderr().as_fd().try_clone_to_owned()
}
