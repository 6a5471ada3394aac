//! A one-off container per run, created from the API service's resolved Compose configuration
//! (what `docker compose run --rm <service>` creates): its image (or the image Compose built
//! for it), environment (`env_file` then `environment`), user, working dir, entrypoint, volumes,
//! networks, extra hosts, and the labels a `run` container gets (`oneoff=True`). The services it
//! depends on are started first when they are down; networks and named volumes a first run
//! needs are created with Compose's labels. The container is removed after every run.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};

use bollard::Docker;
use bollard::models::{NetworkCreateRequest, VolumeCreateRequest};

use super::{Fut, Target};
use crate::compose::{Project, Resource, ServiceConfig, VolumeKind};
use crate::docker::{
    self, ContainerSpec, DockerError, ExecOutcome, ExecRequest, LABEL_ONEOFF, LABEL_PROJECT,
    LABEL_SERVICE, OutputSink,
};
use crate::error::AdminError;

pub struct OneOffTarget {
    pub docker: Docker,
    /// The spec; each run gets a fresh name.
    pub spec: ContainerSpec,
    pub service: String,
    /// The image's own environment (under the service's).
    pub image_env: Vec<String>,
}

impl Target for OneOffTarget {
    fn describe(&self) -> String {
        format!(
            "a one-off container of service {} (image {})",
            self.service, self.spec.image
        )
    }

    fn run<'a>(
        &'a self,
        request: ExecRequest,
        sink: &'a mut dyn OutputSink,
    ) -> Fut<'a, Result<ExecOutcome, DockerError>> {
        let mut spec = self.spec.clone();
        spec.name = format!("{}-{}", self.spec.name, random_suffix());
        Box::pin(async move { docker::run_container(&self.docker, &spec, request, sink).await })
    }

    fn stops_on_interrupt(&self) -> bool {
        true
    }

    fn env(&self) -> Fut<'_, Result<BTreeMap<String, String>, DockerError>> {
        let env = self
            .image_env
            .iter()
            .chain(&self.spec.env)
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (e.clone(), String::new()),
            })
            .collect();
        Box::pin(async move { Ok(env) })
    }
}

/// 12 hex digits, different for every call (std's randomly keyed hasher, the time and a
/// counter): one-off names must never collide, also between concurrent runs.
pub(super) fn random_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// The image a container of the service is created from: `image:`, else the one Compose
/// built (`<project>-<service>` by v2, `<project>_<service>` by v1), whichever exists.
async fn service_image(docker: &Docker, project: &Project) -> Result<String, AdminError> {
    let svc = &project.service_config;
    let candidates: Vec<String> = match &svc.image {
        Some(image) => vec![image.clone()],
        None => vec![
            format!("{}-{}", project.name, project.service),
            format!("{}_{}", project.name, project.service),
        ],
    };
    for c in &candidates {
        if docker.inspect_image(c).await.is_ok() {
            return Ok(c.clone());
        }
    }
    let verb = if svc.build { "build" } else { "pull" };
    Err(AdminError::NoImage {
        service: project.service.clone(),
        image: candidates.join(" or "),
        hint: super::stack::compose_hint(docker, project, &[verb, &project.service]).await,
    })
}

/// The spec for the API service (pure: the image and environment are given).
pub fn spec(
    project: &Project,
    image: String,
    env: Vec<String>,
    network_mode: Option<String>,
) -> ContainerSpec {
    let svc = &project.service_config;
    let labels = HashMap::from([
        (LABEL_PROJECT.to_owned(), project.name.clone()),
        (LABEL_SERVICE.to_owned(), project.service.clone()),
        (LABEL_ONEOFF.to_owned(), "True".to_owned()),
        (
            "com.docker.compose.project.working_dir".to_owned(),
            project.dir.display().to_string(),
        ),
        (
            "com.docker.compose.project.config_files".to_owned(),
            project
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(","),
        ),
    ]);
    let mut binds = Vec::new();
    let mut tmpfs = HashMap::new();
    for v in &svc.volumes {
        let ro = if v.read_only { ":ro" } else { "" };
        match (&v.kind, &v.source) {
            (VolumeKind::Bind, Some(src)) => binds.push(format!("{src}:{}{ro}", v.target)),
            (VolumeKind::Volume, Some(name)) => {
                let engine = Resource::engine_name(project.volumes.get(name), &project.name, name);
                binds.push(format!("{engine}:{}{ro}", v.target));
            }
            (VolumeKind::Tmpfs, _) => {
                tmpfs.insert(v.target.clone(), String::new());
            }
            // Anonymous volumes and other kinds: a fresh empty directory, as Compose gives.
            _ => {}
        }
    }
    for t in &svc.tmpfs {
        let (path, opts) = t.split_once(':').unwrap_or((t.as_str(), ""));
        tmpfs.insert(path.to_owned(), opts.to_owned());
    }
    let networks = if network_mode.is_some() {
        Vec::new()
    } else {
        network_keys(svc)
            .into_iter()
            .map(|key| {
                (
                    Resource::engine_name(project.networks.get(&key), &project.name, &key),
                    Vec::new(),
                )
            })
            .collect()
    };
    ContainerSpec {
        name: format!("{}-{}-run", project.name, project.service),
        image,
        env,
        user: svc.user.clone(),
        working_dir: svc.working_dir.clone(),
        entrypoint: svc.entrypoint.clone(),
        labels,
        binds,
        tmpfs,
        networks,
        network_mode,
        extra_hosts: svc.extra_hosts.clone(),
    }
}

/// The service's network keys (`default` when it names none).
fn network_keys(svc: &ServiceConfig) -> Vec<String> {
    match &svc.networks {
        Some(n) if !n.is_empty() => n.keys().cloned().collect(),
        _ => vec!["default".to_owned()],
    }
}

/// Builds the one-off target: resolves the image, the environment and `network_mode`, and
/// creates the project's networks and named volumes that do not exist yet.
pub async fn prepare(docker: &Docker, project: &Project) -> anyhow::Result<OneOffTarget> {
    let svc = &project.service_config;
    let image = service_image(docker, project).await?;
    let env: Vec<String> = project
        .api_environment()?
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let network_mode = match svc.network_mode.as_deref() {
        Some(m) if m.starts_with("service:") => {
            let other = m.trim_start_matches("service:");
            let c = docker::find_container(docker, &project.name, other)
                .await?
                .require_running(
                    &project.name,
                    other,
                    &super::stack::compose_hint(
                        docker,
                        project,
                        &["up", "-d", "--no-recreate", other],
                    )
                    .await,
                )?;
            Some(format!("container:{}", c.id))
        }
        other => other.map(str::to_owned),
    };
    let spec = spec(project, image.clone(), env, network_mode);
    if spec.network_mode.is_none() {
        for key in network_keys(svc) {
            ensure_network(docker, project, &key).await?;
        }
    }
    for v in &svc.volumes {
        if let (VolumeKind::Volume, Some(key)) = (&v.kind, &v.source) {
            ensure_volume(docker, project, key).await?;
        }
    }
    let image_env = docker
        .inspect_image(&image)
        .await
        .ok()
        .and_then(|i| i.config)
        .and_then(|c| c.env)
        .unwrap_or_default();
    Ok(OneOffTarget {
        docker: docker.clone(),
        spec,
        service: project.service.clone(),
        image_env,
    })
}

fn api_error(call: &'static str, target: String, source: bollard::errors::Error) -> DockerError {
    DockerError::Api {
        call,
        target,
        source: Box::new(source),
    }
}

/// Creates the project network `key` when it does not exist (labelled as Compose labels it, so
/// a later `docker compose up` adopts it). An external network must exist already.
async fn ensure_network(docker: &Docker, project: &Project, key: &str) -> anyhow::Result<()> {
    let resource = project.networks.get(key);
    let name = Resource::engine_name(resource, &project.name, key);
    if docker.inspect_network(&name, None).await.is_ok() {
        return Ok(());
    }
    if resource.is_some_and(|r| r.external) {
        return Err(AdminError::ExternalMissing {
            kind: "network",
            name: name.clone(),
            hint: format!("docker network create {name}"),
        }
        .into());
    }
    let request = NetworkCreateRequest {
        name: name.clone(),
        labels: Some(HashMap::from([
            (LABEL_PROJECT.to_owned(), project.name.clone()),
            ("com.docker.compose.network".to_owned(), key.to_owned()),
        ])),
        ..Default::default()
    };
    docker
        .create_network(request)
        .await
        .map_err(|e| api_error("create network", format!("network {name}"), e))?;
    Ok(())
}

/// Creates the named volume `key` when it does not exist (with Compose's labels).
async fn ensure_volume(docker: &Docker, project: &Project, key: &str) -> anyhow::Result<()> {
    let resource = project.volumes.get(key);
    let name = Resource::engine_name(resource, &project.name, key);
    if docker.inspect_volume(&name).await.is_ok() {
        return Ok(());
    }
    if resource.is_some_and(|r| r.external) {
        return Err(AdminError::ExternalMissing {
            kind: "volume",
            name: name.clone(),
            hint: format!("docker volume create {name}"),
        }
        .into());
    }
    let request = VolumeCreateRequest {
        name: Some(name.clone()),
        labels: Some(HashMap::from([
            (LABEL_PROJECT.to_owned(), project.name.clone()),
            ("com.docker.compose.volume".to_owned(), key.to_owned()),
        ])),
        ..Default::default()
    };
    docker
        .create_volume(request)
        .await
        .map_err(|e| api_error("create volume", format!("volume {name}"), e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_differ() {
        let a = random_suffix();
        let b = random_suffix();
        assert_eq!(a.len(), 12);
        assert_ne!(a, b);
    }
}
