//! Live tests of `admin::docker` against the real engine: containers with Compose labels
//! created through bollard (names `admintest-<pid>-…`, always removed by a guard), image
//! `admin-test/busybox:latest` (built by tests/docker/make-test-image.sh when missing).
//! Under CI=true a missing engine or image fails the tests; otherwise they skip with a note.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing unwrap is a failing test"
)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use admin::docker::{
    self, ContainerLookup, DockerError, ExecMode, ExecOutcome, ExecRequest, ExecStdin, LineSink,
    OutputSink,
};
use bollard::Docker;
use bollard::errors::Error as BollardError;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder};

const IMAGE: &str = "admin-test/busybox:latest";

/// Most tests share the engine freely (read); the Ctrl-C test signals this whole process, so it
/// runs alone (write).
static SIGNAL_LOCK: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The engine with the test image present, or `None` (skip) outside CI.
#[allow(clippy::print_stderr, reason = "a skipped test says why")]
pub(crate) async fn engine() -> Option<Docker> {
    let docker = match docker::connect_to(
        std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .as_deref(),
    )
    .await
    {
        Ok(docker) => docker,
        Err(err) if in_ci() => panic!("CI=true but the Docker engine is unreachable: {err}"),
        Err(err) => {
            eprintln!("note: skipping Docker exec test, engine unreachable: {err}");
            return None;
        }
    };
    match docker.inspect_image(IMAGE).await {
        Ok(_) => return Some(docker),
        Err(BollardError::DockerResponseServerError {
            status_code: 404, ..
        }) => {}
        Err(err) => panic!("cannot inspect image {IMAGE}: {err}"),
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/docker/make-test-image.sh"
    );
    let built = std::process::Command::new("bash")
        .arg(script)
        .arg(IMAGE)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {script}: {err}"));
    if built.status.success() {
        return Some(docker);
    }
    let why = String::from_utf8_lossy(&built.stderr).into_owned();
    if in_ci() {
        panic!("CI=true but the test image {IMAGE} cannot be built by {script}:\n{why}");
    }
    eprintln!("note: skipping Docker exec test, cannot build {IMAGE}:\n{why}");
    None
}

/// Removes the containers it names when dropped, even when the test failed.
struct Cleanup {
    names: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let names = std::mem::take(&mut self.names);
        // Drop is synchronous and may run inside the test's runtime: use a fresh one elsewhere.
        let removed = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let docker = Docker::connect_with_defaults().map_err(|e| e.to_string())?;
                let force = RemoveContainerOptionsBuilder::new().force(true).build();
                for name in names {
                    match docker.remove_container(&name, Some(force.clone())).await {
                        Ok(())
                        | Err(BollardError::DockerResponseServerError {
                            status_code: 404, ..
                        }) => {}
                        Err(err) => return Err(format!("cannot remove container {name}: {err}")),
                    }
                }
                Ok(())
            })
        })
        .join();
        let failure = match removed {
            Ok(Ok(())) => return,
            Ok(Err(msg)) => msg,
            Err(_) => "the cleanup thread panicked".to_string(),
        };
        assert!(std::thread::panicking(), "{failure}");
    }
}

/// A test's own Compose project: unique labels and container names.
pub(crate) struct Project {
    docker: Docker,
    name: String,
    cleanup: Cleanup,
}

impl Project {
    pub(crate) fn new(docker: Docker, test: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Project {
            docker,
            name: format!("admintest-{}-{n}-{test}", std::process::id()),
            cleanup: Cleanup { names: Vec::new() },
        }
    }

    /// Creates (and starts, if `start`) a container labelled like Compose's `service` container
    /// number `number`; returns its id.
    async fn container(
        &mut self,
        service: &str,
        number: u32,
        oneoff: bool,
        env: &[&str],
        start: bool,
    ) -> String {
        let oneoff = if oneoff { "True" } else { "False" };
        let name = format!("{}-{service}-{number}-{}", self.name, oneoff.to_lowercase());
        self.cleanup.names.push(name.clone());
        let labels = HashMap::from([
            ("com.docker.compose.project".to_string(), self.name.clone()),
            (
                "com.docker.compose.service".to_string(),
                service.to_string(),
            ),
            ("com.docker.compose.oneoff".to_string(), oneoff.to_string()),
            (
                "com.docker.compose.container-number".to_string(),
                number.to_string(),
            ),
        ]);
        let body = ContainerCreateBody {
            image: Some(IMAGE.to_string()),
            // A leaked container still goes away on its own.
            cmd: Some(vec!["sleep".into(), "600".into()]),
            labels: Some(labels),
            env: Some(env.iter().map(|e| e.to_string()).collect()),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::new().name(&name).build();
        let id = self
            .docker
            .create_container(Some(options), body)
            .await
            .unwrap_or_else(|err| panic!("create container {name}: {err}"))
            .id;
        if start {
            self.docker
                .start_container(&id, None)
                .await
                .unwrap_or_else(|err| panic!("start container {name}: {err}"));
        }
        id
    }

    /// A running `api` container (number 1).
    pub(crate) async fn api(&mut self, env: &[&str]) -> String {
        self.container("api", 1, false, env, true).await
    }
}

/// Everything the exec produced, in arrival order.
#[derive(Default)]
pub(crate) struct Collect {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    first_stdout_at: Option<Instant>,
    finished: bool,
}

impl OutputSink for Collect {
    fn stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.first_stdout_at.get_or_insert_with(Instant::now);
        self.stdout.extend_from_slice(bytes);
        Ok(())
    }
    fn stderr(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stderr.extend_from_slice(bytes);
        Ok(())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        self.finished = true;
        Ok(())
    }
}

impl Collect {
    pub(crate) fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub(crate) fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

fn streamed(argv: &[&str], stdin: ExecStdin) -> ExecRequest {
    ExecRequest {
        argv: argv.iter().map(|a| a.to_string()).collect(),
        env: Vec::new(),
        user: None,
        working_dir: None,
        mode: ExecMode::Streamed { stdin },
    }
}

async fn run(
    docker: &Docker,
    id: &str,
    request: ExecRequest,
) -> (Result<ExecOutcome, DockerError>, Collect) {
    let mut sink = Collect::default();
    let outcome = docker::exec(docker, id, request, &mut sink).await;
    (outcome, sink)
}

#[tokio::test]
async fn finds_lowest_running_service_container_never_a_oneoff() {
    let _shared = SIGNAL_LOCK.read().await;
    let Some(engine) = engine().await else { return };
    let mut project = Project::new(engine.clone(), "find");
    project.container("api", 1, true, &[], true).await; // `compose run`: never picked
    project.container("api", 1, false, &[], false).await; // created, not running
    let running = project.container("api", 2, false, &[], true).await;
    project.container("api", 3, false, &[], true).await;
    project.container("worker", 1, false, &[], false).await;

    let found = docker::find_container(&engine, &project.name, "api")
        .await
        .unwrap();
    let ContainerLookup::Running(container) = found else {
        panic!("expected a running container, got {found:?}");
    };
    assert_eq!(container.id, running);
    assert_eq!(container.number, Some(2));
    assert_eq!(container.name, format!("{}-api-2-false", project.name));

    let worker = docker::find_container(&engine, &project.name, "worker")
        .await
        .unwrap();
    let ContainerLookup::NotRunning(stopped) = worker else {
        panic!("expected a stopped worker, got {worker:?}");
    };
    assert_eq!(stopped.state, "created");
    let err = ContainerLookup::NotRunning(stopped)
        .require_running(&project.name, "worker", "docker compose up -d worker")
        .unwrap_err();
    assert_eq!(err.exit_code().code(), 12);
    assert!(
        err.to_string()
            .ends_with("(its container is created)\nhint: docker compose up -d worker")
    );

    let missing = docker::find_container(&engine, &project.name, "db")
        .await
        .unwrap();
    assert_eq!(missing, ContainerLookup::Missing);
}

#[tokio::test]
async fn stdout_and_stderr_arrive_separately_and_as_they_come() {
    let _shared = SIGNAL_LOCK.read().await;
    let Some(engine) = engine().await else { return };
    let mut project = Project::new(engine.clone(), "streams");
    let id = project.api(&[]).await;

    let script = "echo out1; echo err1 >&2; echo out2; sleep 2; echo late";
    let started = Instant::now();
    let (outcome, sink) = run(
        &engine,
        &id,
        streamed(&["sh", "-c", script], ExecStdin::Closed),
    )
    .await;
    let ended = Instant::now();
    assert_eq!(outcome.unwrap(), ExecOutcome::Exited(0));
    assert_eq!(sink.out(), "out1\nout2\nlate\n");
    assert_eq!(sink.err(), "err1\n");
    assert!(sink.finished);
    let first = sink.first_stdout_at.unwrap();
    assert!(
        ended - first >= Duration::from_millis(1500),
        "first stdout came {:?} after start and only {:?} before the end: not streamed",
        first - started,
        ended - first
    );
}

#[tokio::test]
async fn line_sink_hands_over_whole_lines() {
    let _shared = SIGNAL_LOCK.read().await;
    let Some(engine) = engine().await else { return };
    let mut project = Project::new(engine.clone(), "lines");
    let id = project.api(&[]).await;

    let mut lines = Vec::new();
    let mut errs = Vec::new();
    let mut sink = LineSink::new(
        |l: &str| {
            lines.push(l.to_string());
            Ok(())
        },
        |b: &[u8]| {
            errs.extend_from_slice(b);
            Ok(())
        },
    );
    let request = streamed(
        &["printf", "{\"a\":1}\\n{\"b\":2}\\nno-newline"],
        ExecStdin::Closed,
    );
    let outcome = docker::exec(&engine, &id, request, &mut sink)
        .await
        .unwrap();
    drop(sink);
    assert_eq!(outcome, ExecOutcome::Exited(0));
    assert_eq!(lines, vec!["{\"a\":1}", "{\"b\":2}", "no-newline"]);
    assert!(errs.is_empty());
}

#[tokio::test]
async fn exit_code_passes_through() {
    let _shared = SIGNAL_LOCK.read().await;
    let Some(engine) = engine().await else { return };
    let mut project = Project::new(engine.clone(), "exit");
    let id = project.api(&[]).await;

    let (outcome, _) = run(
        &engine,
        &id,
        streamed(&["sh", "-c", "exit 3"], ExecStdin::Closed),
    )
    .await;
    let outcome = outcome.unwrap();
    assert_eq!(outcome, ExecOutcome::Exited(3));
    assert_eq!(outcome.exit_code().code(), 3);
}

#[tokio::test]
async fn stdin_is_copied_then_closed() {
    let _shared = SIGNAL_LOCK.read().await;
    let Some(engine) = engine().await else { return };
    let mut project = Project::new(engine.clone(), "stdin");
    let id = project.api(&[]).await;

    let input = b"hello\nworld without newline".to_vec();
    let (outcome, sink) = run(&engine, &id, streamed(&["cat"], ExecStdin::Bytes(input))).await;
    assert_eq!(outcome.unwrap(), ExecOutcome::Exited(0));
    assert_eq!(sink.out(), "hello\nworld without newline");

    let (outcome, sink) = run(&engine, &id, streamed(&["cat"], ExecStdin::Closed)).await;
    assert_eq!(outcome.unwrap(), ExecOutcome::Exited(0));
    assert_eq!(sink.out(), "");
}

#[tokio::test]
async fn user_env_and_working_dir_are_applied() {
    let _shared = SIGNAL_LOCK.read().await;
    let Some(engine) = engine().await else { return };
    let mut project = Project::new(engine.clone(), "user");
    let id = project.api(&["FROM_CONTAINER=yes"]).await;

    let mut request = streamed(&["id", "-u"], ExecStdin::Closed);
    request.user = Some("1234:1234".into());
    let (outcome, sink) = run(&engine, &id, request.clone()).await;
    assert_eq!(outcome.unwrap(), ExecOutcome::Exited(0));
    assert_eq!(sink.out(), "1234\n");
    request.argv = vec!["id".into(), "-g".into()];
    let (_, sink) = run(&engine, &id, request).await;
    assert_eq!(sink.out(), "1234\n");

    let mut request = streamed(
        &["sh", "-c", "pwd; echo $FROM_CONTAINER-$EXTRA"],
        ExecStdin::Closed,
    );
    request.env = vec!["EXTRA=passed".into()];
    request.working_dir = Some("/tmp".into());
    let (outcome, sink) = run(&engine, &id, request).await;
    assert_eq!(outcome.unwrap(), ExecOutcome::Exited(0));
    assert_eq!(sink.out(), "/tmp\nyes-passed\n");
}

#[tokio::test]
async fn runtime_start_failures_are_errors_with_126_or_127() {
    let _shared = SIGNAL_LOCK.read().await;
    let Some(engine) = engine().await else { return };
    let mut project = Project::new(engine.clone(), "oci");
    let id = project.api(&[]).await;

    let (outcome, sink) = run(
        &engine,
        &id,
        streamed(&["/nope/migrator", "migrate"], ExecStdin::Closed),
    )
    .await;
    let err = outcome.unwrap_err();
    let DockerError::ExecStartFailed(ref failure) = err else {
        panic!("expected ExecStartFailed, got {err:?}");
    };
    let (exit_code, message) = (failure.exit_code, &failure.message);
    assert!(matches!(exit_code, 126 | 127), "exit code {exit_code}");
    assert_eq!(err.exit_code().code() as i64, exit_code);
    assert!(message.contains("/nope/migrator"), "{message}");
    assert!(
        err.to_string().starts_with(&format!(
            "cannot start `/nope/migrator` in container {id}: OCI runtime exec failed"
        )),
        "{err}"
    );
    assert!(
        sink.out().is_empty() && sink.err().is_empty(),
        "runtime message leaked to the sink"
    );

    let mut request = streamed(&["id"], ExecStdin::Closed);
    request.user = Some("nosuchuser".into());
    let (outcome, _) = run(&engine, &id, request).await;
    let err = outcome.unwrap_err();
    assert!(matches!(err, DockerError::ExecStartFailed(_)), "{err:?}");
    assert!(err.to_string().contains(" as user nosuchuser: "), "{err}");

    let mut request = streamed(&["pwd"], ExecStdin::Closed);
    request.working_dir = Some("/no/such/dir".into());
    let (outcome, _) = run(&engine, &id, request).await;
    let err = outcome.unwrap_err();
    assert!(matches!(err, DockerError::ExecStartFailed(_)), "{err:?}");
    assert!(
        err.to_string().ends_with(&format!(
            "hint: check the working directory exists: docker exec {id} ls -ld /no/such/dir"
        )),
        "{err}"
    );

    // A program that prints the runtime's words itself and succeeds is not a start failure.
    let request = streamed(
        &["echo", "OCI runtime exec failed: just kidding"],
        ExecStdin::Closed,
    );
    let (outcome, sink) = run(&engine, &id, request).await;
    assert_eq!(outcome.unwrap(), ExecOutcome::Exited(0));
    assert_eq!(sink.out(), "OCI runtime exec failed: just kidding\n");
}

#[tokio::test]
async fn container_env_is_read_by_inspect() {
    let _shared = SIGNAL_LOCK.read().await;
    let Some(engine) = engine().await else { return };
    let mut project = Project::new(engine.clone(), "env");
    let id = project
        .api(&["ADMIN_CANARY=canary-8f3e", "EMPTY_ONE="])
        .await;

    let env = docker::container_env(&engine, &id).await.unwrap();
    assert_eq!(
        env.get("ADMIN_CANARY").map(String::as_str),
        Some("canary-8f3e")
    );
    assert_eq!(env.get("EMPTY_ONE").map(String::as_str), Some(""));
    assert_eq!(env.get("PATH").map(String::as_str), Some("/bin"));
    assert!(!env.contains_key("MISSING_ONE"));
}

#[tokio::test]
async fn exec_in_a_vanished_container_exits_12() {
    let _shared = SIGNAL_LOCK.read().await;
    let Some(engine) = engine().await else { return };
    let name = format!("admintest-{}-never-created", std::process::id());
    let (outcome, _) = run(&engine, &name, streamed(&["true"], ExecStdin::Closed)).await;
    let err = outcome.unwrap_err();
    assert!(matches!(err, DockerError::ContainerGone { .. }), "{err:?}");
    assert_eq!(err.exit_code().code(), 12);
}

#[tokio::test]
async fn ctrl_c_stops_waiting_and_reports_interrupted() {
    let _alone = SIGNAL_LOCK.write().await;
    let Some(engine) = engine().await else { return };
    let mut project = Project::new(engine.clone(), "sigint");
    let id = project.api(&[]).await;

    // Our own handler first: from now on SIGINT cannot kill the test process.
    let mut sigint =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).unwrap();
    let task_engine = engine.clone();
    let task = tokio::spawn(async move {
        let mut sink = Collect::default();
        let request = streamed(&["sh", "-c", "echo started; sleep 30"], ExecStdin::Closed);
        let outcome = docker::exec(&task_engine, &id, request, &mut sink).await;
        (outcome, sink)
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = Instant::now();
    rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::INT).unwrap();
    sigint.recv().await;
    let (outcome, sink) = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("exec did not stop after SIGINT")
        .unwrap();
    assert_eq!(outcome.unwrap(), ExecOutcome::Interrupted);
    assert_eq!(ExecOutcome::Interrupted.exit_code().code(), 130);
    assert_eq!(sink.out(), "started\n");
    assert!(sent.elapsed() < Duration::from_secs(5));
}
