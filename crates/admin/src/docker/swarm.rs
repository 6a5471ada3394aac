//! Swarm stacks (`docker stack deploy -c compose.yml NAME`): a service's task containers carry
//! `com.docker.stack.namespace=NAME` and `com.docker.swarm.service.name=NAME_SERVICE`. A
//! running task container on this engine is used like a Compose container; when the tasks run
//! on other nodes, the manager says which node (hostname and address) so the caller can name
//! it in a hint.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{ContainerSummaryStateEnum, TaskState};
use bollard::query_parameters::{ListContainersOptionsBuilder, ListTasksOptions};

use super::{DockerError, ServiceContainer};

pub const LABEL_STACK: &str = "com.docker.stack.namespace";
pub const LABEL_SWARM_SERVICE: &str = "com.docker.swarm.service.name";
const LABEL_TASK_SLOT: &str = "com.docker.swarm.task.name";

/// The stack service's spec (what a one-off job is made from); `None` when it does not exist.
pub async fn stack_service_spec(
    docker: &Docker,
    stack: &str,
    service: &str,
) -> Option<bollard::models::ServiceSpec> {
    docker
        .inspect_service(&format!("{stack}_{service}"), None)
        .await
        .ok()
        .and_then(|s| s.spec)
}

/// What the engine knows about a stack service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackLookup {
    /// A running task container on this engine.
    Local(ServiceContainer),
    /// Running tasks exist, on other nodes: `(hostname, address)` of each.
    Elsewhere(Vec<(String, String)>),
    /// The swarm has the service but no running task.
    NoTask,
    /// Not a stack service here (or this engine is not in a swarm).
    Absent,
}

/// Looks for stack `stack`'s service `service` (swarm name `stack_service`).
pub async fn find_stack_service(
    docker: &Docker,
    stack: &str,
    service: &str,
) -> Result<StackLookup, DockerError> {
    let swarm_name = format!("{stack}_{service}");
    let filters = HashMap::from([(
        "label".to_string(),
        vec![
            format!("{LABEL_STACK}={stack}"),
            format!("{LABEL_SWARM_SERVICE}={swarm_name}"),
        ],
    )]);
    let options = ListContainersOptionsBuilder::new()
        .all(false)
        .filters(&filters)
        .build();
    let api = |call: &'static str| {
        let target = format!("service {swarm_name} of stack {stack}");
        move |source| DockerError::Api {
            call,
            target,
            source: Box::new(source),
        }
    };
    let mut running: Vec<ServiceContainer> = docker
        .list_containers(Some(options))
        .await
        .map_err(api("list containers"))?
        .into_iter()
        .filter(|c| c.state == Some(ContainerSummaryStateEnum::RUNNING))
        .filter_map(|c| {
            let labels = c.labels.unwrap_or_default();
            (labels.get(LABEL_STACK).map(String::as_str) == Some(stack)
                && labels.get(LABEL_SWARM_SERVICE) == Some(&swarm_name))
            .then_some(())?;
            let name = c
                .names
                .and_then(|n| n.into_iter().next())
                .map(|n| n.trim_start_matches('/').to_string())
                .or_else(|| labels.get(LABEL_TASK_SLOT).cloned())?;
            Some(ServiceContainer {
                id: c.id?,
                name,
                number: None,
                state: "running".to_string(),
            })
        })
        .collect();
    running.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(c) = running.into_iter().next() {
        return Ok(StackLookup::Local(c));
    }
    // Only a manager can list tasks; a worker (or no swarm) answers with an error: then the
    // stack is simply not visible from here.
    let manager = docker
        .info()
        .await
        .ok()
        .and_then(|i| i.swarm)
        .and_then(|s| s.control_available)
        .unwrap_or(false);
    if !manager {
        return Ok(StackLookup::Absent);
    }
    // Scaled to zero, a service keeps no task at all: ask for the service itself.
    if docker.inspect_service(&swarm_name, None).await.is_err() {
        return Ok(StackLookup::Absent);
    }
    let options = ListTasksOptions {
        filters: Some(HashMap::from([(
            "service".to_string(),
            vec![swarm_name.clone()],
        )])),
    };
    let tasks = match docker.list_tasks(Some(options)).await {
        Ok(t) => t,
        Err(_) => return Ok(StackLookup::Absent),
    };
    let mut nodes = Vec::new();
    for task in tasks {
        let is_running = task.status.as_ref().and_then(|s| s.state) == Some(TaskState::RUNNING);
        let Some(node_id) = task.node_id.filter(|_| is_running) else {
            continue;
        };
        let node = docker
            .inspect_node(&node_id)
            .await
            .map_err(api("inspect node"))?;
        let host = node
            .description
            .and_then(|d| d.hostname)
            .unwrap_or_else(|| node_id.clone());
        let addr = node.status.and_then(|s| s.addr).unwrap_or_default();
        if !nodes.contains(&(host.clone(), addr.clone())) {
            nodes.push((host, addr));
        }
    }
    Ok(if nodes.is_empty() {
        StackLookup::NoTask
    } else {
        StackLookup::Elsewhere(nodes)
    })
}
