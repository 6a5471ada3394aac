//! Finding a Compose service's container by its labels, and reading its environment.
//!
//! Compose v1 (`docker-compose`) and v2 (`docker compose`) both label service containers with
//! `com.docker.compose.project`, `.service`, `.oneoff=False` and `.container-number`; one-off
//! containers (`compose run`) carry `oneoff=True` and are never picked.

use std::collections::{BTreeMap, HashMap};

use bollard::Docker;
use bollard::models::{ContainerSummary, ContainerSummaryStateEnum};
use bollard::query_parameters::ListContainersOptionsBuilder;

use super::DockerError;

pub const LABEL_PROJECT: &str = "com.docker.compose.project";
pub const LABEL_SERVICE: &str = "com.docker.compose.service";
pub const LABEL_ONEOFF: &str = "com.docker.compose.oneoff";
pub const LABEL_NUMBER: &str = "com.docker.compose.container-number";

/// One container of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceContainer {
    pub id: String,
    /// The container name without the leading `/` (e.g. `shop-api-1`).
    pub name: String,
    /// `com.docker.compose.container-number`, when present and numeric.
    pub number: Option<u32>,
    /// The engine's state word: `running`, `exited`, `created`, `paused`, …
    pub state: String,
}

/// What [`find_container`] found for a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerLookup {
    /// A running container (the lowest container number when the service is scaled).
    Running(ServiceContainer),
    /// Containers exist but none runs; this is the lowest-numbered one.
    NotRunning(ServiceContainer),
    /// No container has the service's labels.
    Missing,
}

impl ContainerLookup {
    /// The running container, or [`DockerError::ContainerNotRunning`] naming the project, the
    /// service, the state of a stopped container, and ending with `hint: {start_hint}` (the
    /// caller's exact command, e.g. `docker compose -f compose.yaml up -d api`).
    pub fn require_running(
        self,
        project: &str,
        service: &str,
        start_hint: &str,
    ) -> Result<ServiceContainer, DockerError> {
        let state = match self {
            ContainerLookup::Running(container) => return Ok(container),
            ContainerLookup::NotRunning(container) => Some(container.state),
            ContainerLookup::Missing => None,
        };
        Err(DockerError::ContainerNotRunning {
            project: project.to_string(),
            service: service.to_string(),
            state,
            hint: start_hint.to_string(),
        })
    }
}

/// The `filters` query for a service's (non-one-off) containers.
pub fn label_filters(project: &str, service: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![
            format!("{LABEL_PROJECT}={project}"),
            format!("{LABEL_SERVICE}={service}"),
            format!("{LABEL_ONEOFF}=False"),
        ],
    )])
}

/// Looks up the containers of `service` in Compose project `project` (all states) and picks the
/// running one with the lowest container number; see [`ContainerLookup`].
pub async fn find_container(
    docker: &Docker,
    project: &str,
    service: &str,
) -> Result<ContainerLookup, DockerError> {
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&label_filters(project, service))
        .build();
    let summaries = docker
        .list_containers(Some(options))
        .await
        .map_err(|source| DockerError::Api {
            call: "list containers",
            target: format!("service `{service}` of Compose project `{project}`"),
            source: Box::new(source),
        })?;
    Ok(choose(summaries, project, service))
}

/// Picks from a container listing. The labels are checked again here (the engine filter is not
/// trusted blindly: a one-off or another project's container must never be picked).
fn choose(summaries: Vec<ContainerSummary>, project: &str, service: &str) -> ContainerLookup {
    let mut running = Vec::new();
    let mut stopped = Vec::new();
    for summary in summaries {
        let labels = summary.labels.clone().unwrap_or_default();
        let label = |key: &str| labels.get(key).map(String::as_str);
        if label(LABEL_PROJECT) != Some(project)
            || label(LABEL_SERVICE) != Some(service)
            || label(LABEL_ONEOFF).is_some_and(|v| !v.eq_ignore_ascii_case("false"))
        {
            continue;
        }
        let Some(id) = summary.id.clone() else {
            continue;
        };
        let is_running = summary.state == Some(ContainerSummaryStateEnum::RUNNING);
        let container = ServiceContainer {
            name: summary
                .names
                .as_ref()
                .and_then(|names| names.first())
                .map(|n| n.trim_start_matches('/').to_string())
                .unwrap_or_else(|| id.chars().take(12).collect()),
            number: label(LABEL_NUMBER).and_then(|n| n.parse().ok()),
            state: summary
                .state
                .map(|s| s.to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "unknown".to_string()),
            id,
        };
        if is_running {
            running.push(container);
        } else {
            stopped.push(container);
        }
    }
    let lowest = |list: &mut Vec<ServiceContainer>| {
        list.sort_by(|a, b| {
            (a.number.unwrap_or(u32::MAX), &a.name).cmp(&(b.number.unwrap_or(u32::MAX), &b.name))
        });
        list.drain(..).next()
    };
    if let Some(container) = lowest(&mut running) {
        ContainerLookup::Running(container)
    } else if let Some(container) = lowest(&mut stopped) {
        ContainerLookup::NotRunning(container)
    } else {
        ContainerLookup::Missing
    }
}

async fn inspect(
    docker: &Docker,
    container: &str,
) -> Result<bollard::models::ContainerInspectResponse, DockerError> {
    docker
        .inspect_container(container, None)
        .await
        .map_err(|source| DockerError::Api {
            call: "inspect container",
            target: format!("container {container}"),
            source: Box::new(source),
        })
}

/// The container's configured environment (`Config.Env` from inspect) as a map. The values may
/// be secrets: callers report only set / empty / missing, never a value. An entry without `=`
/// maps to an empty value.
pub async fn container_env(
    docker: &Docker,
    container: &str,
) -> Result<BTreeMap<String, String>, DockerError> {
    let inspect = inspect(docker, container).await?;
    Ok(parse_env(
        inspect.config.and_then(|c| c.env).unwrap_or_default(),
    ))
}

/// Whether a container is up for work: running, and healthy when it has a healthcheck.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Not yet: the state and health as the engine reports them.
    Waiting {
        state: String,
        health: Option<String>,
    },
    /// Exited or dead: waiting longer will not help.
    Failed {
        state: String,
    },
}

/// The container's readiness from inspect.
pub async fn readiness(docker: &Docker, container: &str) -> Result<Readiness, DockerError> {
    let inspect = inspect(docker, container).await?;
    let state = inspect.state.unwrap_or_default();
    let status = state
        .status
        .map(|s| s.to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let health = state
        .health
        .and_then(|h| h.status)
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty() && s != "none");
    Ok(match (status.as_str(), health.as_deref()) {
        ("running", None | Some("healthy")) => Readiness::Ready,
        ("running", Some("unhealthy")) => Readiness::Failed {
            state: "running but unhealthy".to_string(),
        },
        ("exited" | "dead", _) => Readiness::Failed { state: status },
        _ => Readiness::Waiting {
            state: status,
            health,
        },
    })
}

fn parse_env(entries: Vec<String>) -> BTreeMap<String, String> {
    entries
        .into_iter()
        .map(|entry| match entry.split_once('=') {
            Some((key, value)) => (key.to_string(), value.to_string()),
            None => (entry, String::new()),
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests {
    use super::*;

    fn summary(
        id: &str,
        labels: &[(&str, &str)],
        state: ContainerSummaryStateEnum,
    ) -> ContainerSummary {
        ContainerSummary {
            id: Some(id.to_string()),
            names: Some(vec![format!("/{id}-name")]),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            state: Some(state),
            ..Default::default()
        }
    }

    fn service(number: &str, oneoff: &str) -> Vec<(&'static str, String)> {
        vec![
            (LABEL_PROJECT, "shop".to_string()),
            (LABEL_SERVICE, "api".to_string()),
            (LABEL_ONEOFF, oneoff.to_string()),
            (LABEL_NUMBER, number.to_string()),
        ]
    }

    fn labeled(
        id: &str,
        labels: Vec<(&str, String)>,
        state: ContainerSummaryStateEnum,
    ) -> ContainerSummary {
        let pairs: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
        summary(id, &pairs, state)
    }

    #[test]
    fn filters_select_project_service_and_non_oneoff() {
        let filters = label_filters("shop", "api");
        assert_eq!(filters.len(), 1);
        assert_eq!(
            filters["label"],
            vec![
                "com.docker.compose.project=shop",
                "com.docker.compose.service=api",
                "com.docker.compose.oneoff=False"
            ]
        );
    }

    #[test]
    fn picks_lowest_numbered_running_container() {
        use ContainerSummaryStateEnum::*;
        let found = choose(
            vec![
                labeled("c10", service("10", "False"), RUNNING),
                labeled("c2", service("2", "False"), RUNNING),
                labeled("c1", service("1", "False"), EXITED),
            ],
            "shop",
            "api",
        );
        let ContainerLookup::Running(c) = found else {
            panic!("expected running, got {found:?}");
        };
        assert_eq!(
            (c.id.as_str(), c.name.as_str(), c.number),
            ("c2", "c2-name", Some(2))
        );
    }

    #[test]
    fn oneoff_and_foreign_containers_are_never_picked() {
        use ContainerSummaryStateEnum::*;
        let mut other_project = service("1", "False");
        other_project[0].1 = "other".to_string();
        let found = choose(
            vec![
                labeled("run", service("1", "True"), RUNNING),
                labeled("other", other_project, RUNNING),
                summary("nolabels", &[], RUNNING),
            ],
            "shop",
            "api",
        );
        assert_eq!(found, ContainerLookup::Missing);
    }

    #[test]
    fn stopped_container_reports_its_state() {
        use ContainerSummaryStateEnum::*;
        let found = choose(
            vec![labeled("c1", service("1", "False"), EXITED)],
            "shop",
            "api",
        );
        let err = found
            .require_running("shop", "api", "docker compose up -d api")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "service `api` of Compose project `shop` is not running (its container is exited)\n\
             hint: docker compose up -d api"
        );
        let missing = ContainerLookup::Missing
            .require_running("shop", "api", "docker compose up -d api")
            .unwrap_err();
        assert!(missing.to_string().contains("(no container exists)"));
    }

    #[test]
    fn env_entries_split_on_first_equals() {
        let env = parse_env(vec![
            "DATABASE_URL=postgres://u:p@db/x?a=b".into(),
            "EMPTY=".into(),
            "BARE".into(),
        ]);
        assert_eq!(env["DATABASE_URL"], "postgres://u:p@db/x?a=b");
        assert_eq!(env["EMPTY"], "");
        assert_eq!(env["BARE"], "");
        assert_eq!(env.len(), 3);
    }
}
