//! One-off runs on a Swarm stack with the engine's own mechanism: a `replicated-job` service
//! (one task, no restart) made from the stack service's spec — its image, environment, mounts,
//! networks, user, placement — with the argv as its command and no published ports. The
//! manager schedules it on any node; admin waits for the task to finish, reads its output from
//! the service logs (stdout and stderr kept apart) and its exit code from the task status,
//! and removes the service on every path (Ctrl-C included). A job has no stdin.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::models::{
    ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicatedJob, TaskSpecRestartPolicy,
    TaskSpecRestartPolicyConditionEnum, TaskState,
};
use bollard::query_parameters::{ListTasksOptions, LogsOptionsBuilder};
use futures_util::StreamExt;

use super::DockerError;
use super::attached::StopSignals;
use super::exec::{ExecOutcome, ExecRequest};
use super::sink::OutputSink;

const POLL: Duration = Duration::from_millis(300);
/// A job that was not even scheduled after this long is reported, not waited for forever.
const SCHEDULE_TIMEOUT: Duration = Duration::from_secs(120);

/// The job's spec: `base` (the stack service's) with `argv` as the command.
pub fn job_spec(base: &ServiceSpec, name: &str, request: &ExecRequest) -> ServiceSpec {
    let mut spec = base.clone();
    spec.name = Some(name.to_string());
    let mut labels = spec.labels.take().unwrap_or_default();
    labels.insert("dev.admin.oneoff".to_string(), "true".to_string());
    spec.labels = Some(labels);
    spec.mode = Some(ServiceSpecMode {
        replicated_job: Some(ServiceSpecModeReplicatedJob {
            max_concurrent: Some(1),
            total_completions: Some(1),
        }),
        ..Default::default()
    });
    spec.update_config = None;
    spec.rollback_config = None;
    // Published ports belong to the real service; a job must not take them.
    spec.endpoint_spec = None;
    let mut task = spec.task_template.take().unwrap_or_default();
    task.restart_policy = Some(TaskSpecRestartPolicy {
        condition: Some(TaskSpecRestartPolicyConditionEnum::NONE),
        ..Default::default()
    });
    let mut container = task.container_spec.take().unwrap_or_default();
    container.command = Some(request.argv.clone());
    container.args = None;
    container.tty = Some(false);
    container.open_stdin = Some(false);
    let mut env = container.env.take().unwrap_or_default();
    env.extend(request.env.iter().cloned());
    container.env = Some(env);
    if let Some(user) = &request.user {
        container.user = Some(user.clone());
    }
    if let Some(dir) = &request.working_dir {
        container.dir = Some(dir.clone());
    }
    task.container_spec = Some(container);
    spec.task_template = Some(task);
    spec
}

fn api<'a>(
    call: &'static str,
    target: &'a str,
) -> impl Fn(bollard::errors::Error) -> DockerError + 'a {
    move |source| DockerError::Api {
        call,
        target: format!("swarm job {target}"),
        source: Box::new(source),
    }
}

/// Runs `request` as a one-task job made from `base`; removes the job afterwards.
pub async fn run_job<S: OutputSink + ?Sized>(
    docker: &Docker,
    base: &ServiceSpec,
    name: &str,
    request: ExecRequest,
    sink: &mut S,
) -> Result<ExecOutcome, DockerError> {
    let mut stop = StopSignals::new()?;
    let program = request.argv.first().cloned().unwrap_or_default();
    docker
        .create_service(job_spec(base, name, &request), None)
        .await
        .map_err(api("create service", name))?;
    let result = tokio::select! {
        r = wait_and_stream(docker, name, &program, sink) => r,
        () = stop.recv() => Ok(ExecOutcome::Interrupted),
    };
    if let Err(err) = docker.delete_service(name).await {
        tracing::warn!("cannot remove swarm job {name}: {err}");
    }
    result
}

/// Waits for the job's task to end, then hands its logs to `sink`; the task's exit code.
async fn wait_and_stream<S: OutputSink + ?Sized>(
    docker: &Docker,
    name: &str,
    program: &str,
    sink: &mut S,
) -> Result<ExecOutcome, DockerError> {
    let started = std::time::Instant::now();
    let options = ListTasksOptions {
        filters: Some(HashMap::from([(
            "service".to_string(),
            vec![name.to_string()],
        )])),
    };
    let code = loop {
        let tasks = docker
            .list_tasks(Some(options.clone()))
            .await
            .map_err(api("list tasks", name))?;
        let status = tasks.into_iter().find_map(|t| t.status);
        let state = status.as_ref().and_then(|s| s.state);
        match state {
            Some(TaskState::COMPLETE | TaskState::FAILED) => {
                break status
                    .and_then(|s| s.container_status)
                    .and_then(|c| c.exit_code)
                    .unwrap_or(-1);
            }
            Some(TaskState::REJECTED | TaskState::ORPHANED | TaskState::SHUTDOWN) => {
                let why = status.and_then(|s| s.err).unwrap_or_default();
                return Err(DockerError::JobFailed {
                    job: name.to_string(),
                    why,
                });
            }
            Some(TaskState::NEW | TaskState::PENDING | TaskState::ALLOCATED) | None
                if started.elapsed() > SCHEDULE_TIMEOUT =>
            {
                return Err(DockerError::JobFailed {
                    job: name.to_string(),
                    why: format!("not scheduled within {} s", SCHEDULE_TIMEOUT.as_secs()),
                });
            }
            _ => tokio::time::sleep(POLL).await,
        }
    };
    let options = LogsOptionsBuilder::new()
        .stdout(true)
        .stderr(true)
        .follow(false)
        .build();
    let mut logs = docker.service_logs(name, Some(options));
    while let Some(item) = logs.next().await {
        let out = item.map_err(|source| DockerError::Stream {
            program: program.to_string(),
            container: format!("swarm job {name}"),
            source: Box::new(source),
        })?;
        let written = match out {
            bollard::container::LogOutput::StdErr { message } => sink.stderr(&message),
            bollard::container::LogOutput::StdOut { message }
            | bollard::container::LogOutput::Console { message } => sink.stdout(&message),
            bollard::container::LogOutput::StdIn { .. } => Ok(()),
        };
        written.map_err(|source| DockerError::Output {
            program: program.to_string(),
            source,
        })?;
    }
    Ok(ExecOutcome::Exited(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::{ExecMode, ExecStdin};
    use bollard::models::{EndpointSpec, TaskSpec, TaskSpecContainerSpec};

    #[test]
    fn the_job_is_the_service_with_the_argv_one_task_and_no_ports() {
        let base = ServiceSpec {
            name: Some("shop_api".into()),
            task_template: Some(TaskSpec {
                container_spec: Some(TaskSpecContainerSpec {
                    image: Some("shop-api:1".into()),
                    env: Some(vec!["DATABASE_URL=x".into()]),
                    args: Some(vec!["serve".into()]),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            endpoint_spec: Some(EndpointSpec::default()),
            ..Default::default()
        };
        let request = ExecRequest {
            argv: vec!["migrator".into(), "current".into()],
            env: vec!["NO_COLOR=1".into()],
            user: None,
            working_dir: None,
            mode: ExecMode::Streamed {
                stdin: ExecStdin::Closed,
            },
        };
        let job = job_spec(&base, "shop_api_run_1", &request);
        assert_eq!(job.name.as_deref(), Some("shop_api_run_1"));
        assert_eq!(job.endpoint_spec, None);
        let mode = job.mode.and_then(|m| m.replicated_job);
        assert_eq!(mode.and_then(|m| m.total_completions), Some(1));
        let task = job.task_template.unwrap_or_default();
        let restart = task.restart_policy.and_then(|r| r.condition);
        assert_eq!(restart, Some(TaskSpecRestartPolicyConditionEnum::NONE));
        let c = task.container_spec.unwrap_or_default();
        assert_eq!(c.command, Some(vec!["migrator".into(), "current".into()]));
        assert_eq!(c.args, None);
        assert_eq!(
            c.env,
            Some(vec!["DATABASE_URL=x".into(), "NO_COLOR=1".into()])
        );
        assert_eq!(c.image.as_deref(), Some("shop-api:1"));
    }
}
