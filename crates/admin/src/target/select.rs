//! Choosing where a command runs, like Compose users expect:
//! - the API service's running container (`docker exec`);
//! - with `--up`, the service is started first when it is down (never recreated: a stopped
//!   container is started through the Engine API, a missing one created by the project's
//!   Compose CLI with `--no-recreate`), after its dependencies;
//! - otherwise (and always with `--run`) a one-off container, after starting the services it
//!   depends on (as `docker compose run` does). stderr says which was used.

use bollard::Docker;

use super::Target;
use super::oneoff;
use super::service::ServiceTarget;
use super::stack;
use super::swarm::SwarmJobTarget;
use crate::compose::Project;
use crate::docker::{self, ContainerLookup, StackLookup};
use crate::error::AdminError;
use crate::output::Printer;
use crate::settings::Settings;

/// Connects to the engine and picks the target for `project`'s API service.
pub async fn select(
    settings: &Settings,
    project: &Project,
    printer: &Printer,
) -> anyhow::Result<Box<dyn Target>> {
    let (docker, endpoint) = docker::connect(settings.docker_host()).await?;
    printer.verbose(&format!("engine: {}", endpoint.describe()))?;
    let target = pick(&docker, settings, project, printer).await?;
    printer.verbose(&format!(
        "running in {} (service {}, project {})",
        target.describe(),
        project.service,
        project.name
    ))?;
    Ok(target)
}

/// A Swarm stack deployed under the project's name (`docker stack deploy -c … NAME`): its
/// running task container here, an error naming the nodes it runs on, or `None` (no stack).
async fn stack_task(docker: &Docker, project: &Project) -> anyhow::Result<Option<Box<dyn Target>>> {
    let (stack, service) = (&project.name, &project.service);
    match docker::find_stack_service(docker, stack, service).await? {
        StackLookup::Local(container) => Ok(Some(Box::new(ServiceTarget {
            docker: docker.clone(),
            container,
        }))),
        StackLookup::Elsewhere(nodes) => Err(AdminError::StackElsewhere {
            stack: stack.clone(),
            service: service.clone(),
            first_node: nodes
                .first()
                .map(|(host, addr)| {
                    if addr.is_empty() {
                        host.clone()
                    } else {
                        addr.clone()
                    }
                })
                .unwrap_or_default(),
            nodes: nodes
                .into_iter()
                .map(|(host, addr)| format!("node {host} ({addr})"))
                .collect(),
        }
        .into()),
        StackLookup::NoTask => Err(AdminError::StackNoTask {
            stack: stack.clone(),
            service: service.clone(),
        }
        .into()),
        StackLookup::Absent => Ok(None),
    }
}

/// A one-off swarm job of the stack service, when the project is a stack here.
async fn stack_job(
    docker: &Docker,
    project: &Project,
    printer: &Printer,
    why: &str,
) -> anyhow::Result<Option<Box<dyn Target>>> {
    let Some(base) = docker::stack_service_spec(docker, &project.name, &project.service).await
    else {
        return Ok(None);
    };
    let service = format!("{}_{}", project.name, project.service);
    printer.status(&format!(
        "Using a one-off swarm job of service {service} ({why}); it is removed afterwards."
    ))?;
    Ok(Some(Box::new(SwarmJobTarget {
        docker: docker.clone(),
        base,
        service,
    })))
}

fn is_no_task(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<AdminError>(),
        Some(AdminError::StackNoTask { .. })
    )
}

async fn pick(
    docker: &Docker,
    settings: &Settings,
    project: &Project,
    printer: &Printer,
) -> anyhow::Result<Box<dyn Target>> {
    let service = &project.service;
    let lookup = if settings.run {
        None
    } else {
        Some(docker::find_container(docker, &project.name, service).await?)
    };
    let state = match lookup {
        Some(ContainerLookup::Running(container)) => {
            return Ok(Box::new(ServiceTarget {
                docker: docker.clone(),
                container,
            }));
        }
        Some(ContainerLookup::NotRunning(c)) => Some(c.state),
        Some(ContainerLookup::Missing) => {
            match stack_task(docker, project).await {
                Ok(Some(task)) => return Ok(task),
                Ok(None) => {}
                // No running task: --up cannot start a stack service (the hint says how);
                // anything else runs as a one-off job, as `--run` would.
                Err(e) if !settings.up && is_no_task(&e) => {
                    if let Some(job) =
                        stack_job(docker, project, printer, "no running task").await?
                    {
                        return Ok(job);
                    }
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
            Some("not created".to_owned())
        }
        None => None,
    };
    if settings.run
        && let Some(job) = stack_job(docker, project, printer, "--run").await?
    {
        return Ok(job);
    }
    if settings.up {
        let state = state.unwrap_or_default();
        printer.status(&format!(
            "The {service} container is {state}; starting it (--up)..."
        ))?;
        stack::start_dependencies(docker, settings, project, printer, service).await?;
        stack::start_services(
            docker,
            settings,
            project,
            printer,
            std::slice::from_ref(service),
        )
        .await?;
        let container = stack::wait_ready(docker, project, printer, service, true, false).await?;
        return Ok(Box::new(ServiceTarget {
            docker: docker.clone(),
            container,
        }));
    }
    stack::start_dependencies(docker, settings, project, printer, service).await?;
    let target = oneoff::prepare(docker, project).await?;
    let why = match state {
        Some(state) => format!("the {service} service has no running container ({state})"),
        None => "--run".to_owned(),
    };
    printer.status(&format!(
        "Using a one-off container of service {service} ({why}); it is removed afterwards. (--up starts the service instead.)"
    ))?;
    Ok(Box::new(target))
}
