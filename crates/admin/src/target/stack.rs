//! Starting what a run needs without ever recreating a container: a stopped container is
//! started through the Engine API; a missing one is created by the Compose CLI the project was
//! created with (`up -d --no-recreate <services>`, argv only, never a shell), which leaves every
//! existing container alone. Then waits for each service as `depends_on` asks (running,
//! healthy, or completed).

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::ListContainersOptionsBuilder;

use crate::compose::{Dependency, Project, shell_join};
use crate::docker::{
    self, ContainerLookup, DockerError, LABEL_PROJECT, Readiness, ServiceContainer,
};
use crate::error::AdminError;
use crate::output::Printer;
use crate::settings::Settings;

const READY_TIMEOUT: Duration = Duration::from_secs(180);
const POLL: Duration = Duration::from_millis(500);
/// The label Compose (v1 and v2) puts its own version in.
const LABEL_VERSION: &str = "com.docker.compose.version";

/// The Compose CLIs in the order to try: the project's own first (`1.x` → `docker-compose`,
/// else `docker compose`), so a v1 project is never handed to v2 (which would recreate its
/// containers: the v2 config hash differs).
fn candidates(project_version: Option<&str>) -> Vec<Vec<&'static str>> {
    let v2 = vec!["docker", "compose"];
    let v1 = vec!["docker-compose"];
    match project_version {
        Some(v) if v.starts_with("1.") => vec![v1, v2],
        _ => vec![v2, v1],
    }
}

/// The Compose version that created the project's containers (`com.docker.compose.version`).
pub async fn project_compose_version(docker: &Docker, project: &str) -> Option<String> {
    let filters = std::collections::HashMap::from([(
        "label".to_string(),
        vec![format!("{LABEL_PROJECT}={project}")],
    )]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let list = docker.list_containers(Some(options)).await.ok()?;
    list.into_iter()
        .find_map(|c| c.labels.and_then(|l| l.get(LABEL_VERSION).cloned()))
}

/// The Compose CLI to use for `project`: `["docker", "compose"]` or `["docker-compose"]`.
pub async fn compose_cli(docker: Option<&Docker>, project: &Project) -> Option<Vec<String>> {
    let version = match docker {
        Some(d) => project_compose_version(d, &project.name).await,
        None => None,
    };
    for candidate in candidates(version.as_deref()) {
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

/// `<compose> <project args> up -d --no-recreate <services…>`.
fn up_argv(cli: Vec<String>, project: &Project, services: &[String]) -> Vec<String> {
    let mut argv = cli;
    argv.extend(project.compose_args());
    argv.extend(["up", "-d", "--no-recreate"].map(String::from));
    argv.extend(services.iter().cloned());
    argv
}

/// `<the project's Compose CLI> <project args> <args…>`, for hints (the CLI that created the
/// project's containers when it is installed, so following the hint recreates nothing).
pub async fn compose_hint(docker: &Docker, project: &Project, args: &[&str]) -> String {
    match compose_cli(Some(docker), project).await {
        Some(mut argv) => {
            argv.extend(project.compose_args());
            argv.extend(args.iter().map(|a| (*a).to_owned()));
            shell_join(&argv)
        }
        None => shell_join(&project.compose_command(args)),
    }
}

/// The services `service` depends on, transitively, dependencies first (each once).
pub fn dependencies(project: &Project, service: &str) -> Vec<Dependency> {
    fn visit(
        project: &Project,
        service: &str,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<Dependency>,
    ) {
        let config = if service == project.service {
            Some(&project.service_config)
        } else {
            project.others.get(service)
        };
        for dep in config.map(|c| c.depends_on.clone()).unwrap_or_default() {
            if seen.insert(dep.service.clone()) {
                visit(project, &dep.service, seen, out);
                out.push(dep);
            }
        }
    }
    let mut seen = BTreeSet::from([service.to_owned()]);
    let mut out = Vec::new();
    visit(project, service, &mut seen, &mut out);
    out
}

/// Makes `services` run without recreating anything: stopped containers are started through
/// the Engine API, missing ones created by the Compose CLI.
pub async fn start_services(
    docker: &Docker,
    settings: &Settings,
    project: &Project,
    printer: &Printer,
    services: &[String],
) -> anyhow::Result<()> {
    let mut missing = Vec::new();
    for service in services {
        match docker::find_container(docker, &project.name, service).await? {
            ContainerLookup::Running(_) => {}
            ContainerLookup::NotRunning(c) => {
                printer.status(&format!(
                    "Starting {} (service {service} was {})...",
                    c.name, c.state
                ))?;
                docker
                    .start_container(&c.id, None)
                    .await
                    .map_err(|source| DockerError::Api {
                        call: "start container",
                        target: format!("container {}", c.name),
                        source: Box::new(source),
                    })?;
            }
            ContainerLookup::Missing => missing.push(service.clone()),
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let Some(cli) = compose_cli(Some(docker), project).await else {
        return Err(AdminError::NoComposeCli {
            service: missing.join(", "),
            command: shell_join(&project.up_command()),
        }
        .into());
    };
    let argv = up_argv(cli, project, &missing);
    printer.status(&format!(
        "Creating {} (no container yet): {}",
        missing.join(", "),
        shell_join(&argv)
    ))?;
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
        }
        .into());
    }
    Ok(())
}

/// Starts the dependencies of `service` that are down and waits for each as `depends_on`
/// asks (what `docker compose run` does before it creates the one-off container).
pub async fn start_dependencies(
    docker: &Docker,
    settings: &Settings,
    project: &Project,
    printer: &Printer,
    service: &str,
) -> anyhow::Result<()> {
    let deps = dependencies(project, service);
    if deps.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = deps.iter().map(|d| d.service.clone()).collect();
    start_services(docker, settings, project, printer, &names).await?;
    for dep in &deps {
        let completed = dep.condition == "service_completed_successfully";
        let healthy = dep.condition == "service_healthy";
        wait_ready(
            docker,
            project,
            printer,
            &dep.service,
            healthy || completed,
            completed,
        )
        .await?;
    }
    Ok(())
}

/// Waits until `service`'s container runs (and is healthy when it has a healthcheck and
/// `healthy` is asked; with `completed`, until it has exited).
pub async fn wait_ready(
    docker: &Docker,
    project: &Project,
    printer: &Printer,
    service: &str,
    healthy: bool,
    completed: bool,
) -> anyhow::Result<ServiceContainer> {
    let started = Instant::now();
    let mut last = "not created".to_string();
    let logs = compose_hint(docker, project, &["logs", service]).await;
    let not_ready = |seconds: u64, state: String| AdminError::NotReady {
        service: service.to_owned(),
        seconds,
        state,
        logs: logs.clone(),
    };
    loop {
        if let ContainerLookup::Running(c) | ContainerLookup::NotRunning(c) =
            docker::find_container(docker, &project.name, service).await?
        {
            let readiness = docker::readiness(docker, &c.id).await?;
            match (readiness, completed) {
                (Readiness::Failed { state }, true) if state == "exited" => return Ok(c),
                (Readiness::Ready, false) => {
                    if started.elapsed() > Duration::from_secs(1) {
                        printer.status(&format!(
                            "{} is ready ({:.1} s).",
                            c.name,
                            started.elapsed().as_secs_f64()
                        ))?;
                    }
                    return Ok(c);
                }
                (Readiness::Waiting { state, .. }, false) if !healthy && state == "running" => {
                    return Ok(c);
                }
                (Readiness::Failed { state }, false)
                    if !healthy && state.starts_with("running") =>
                {
                    return Ok(c);
                }
                (Readiness::Failed { state }, _) => {
                    return Err(not_ready(started.elapsed().as_secs(), state).into());
                }
                (Readiness::Waiting { state, health }, _) => {
                    last = match health {
                        Some(h) => format!("{state}, {h}"),
                        None => state,
                    };
                }
                (Readiness::Ready, true) => last = "running".to_owned(),
            }
        }
        if started.elapsed() >= READY_TIMEOUT {
            return Err(not_ready(READY_TIMEOUT.as_secs(), last).into());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A duplicate of our stderr, so the child's stdout lands there (our stdout is for data).
fn stderr_fd() -> std::io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::AsFd;
    std::io::stderr().as_fd().try_clone_to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projects_own_compose_comes_first() {
        assert_eq!(candidates(Some("1.29.2"))[0], vec!["docker-compose"]);
        assert_eq!(candidates(Some("2.29.1"))[0], vec!["docker", "compose"]);
        assert_eq!(candidates(None)[0], vec!["docker", "compose"]);
    }
}
