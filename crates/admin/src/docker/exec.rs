//! Running an argv in a container through the Engine API exec endpoints: create, start
//! (attached), stream the output to the caller's [`OutputSink`], then poll `inspect_exec` for the
//! exit code. The argv goes to the engine as-is (no shell).
//!
//! Two modes ([`ExecMode`]):
//! - `Streamed`: no TTY; stdout and stderr reach the sink separately as they arrive; stdin is not
//!   attached, or given bytes / host stdin are copied in and then closed (EOF). SIGINT, SIGTERM
//!   or SIGHUP stop the waiting and give [`ExecOutcome::Interrupted`]: the Engine API cannot kill
//!   an exec, so the program may still be running in the container.
//! - `Interactive`: TTY; host terminal in raw mode (restored on every exit path), size sent at
//!   start and on SIGWINCH, keystrokes forwarded from a stdin thread, output (one stream) to
//!   the sink's stdout.

use std::pin::Pin;
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use bollard::query_parameters::ResizeExecOptionsBuilder;
use futures_util::TryStreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::sink::OutputSink;
use super::start_failure::{StartFailure, start_failure};
use super::terminal::{RawModeGuard, StdinChunk, spawn_stdin_reader, terminal_size};
use super::{DockerError, exit_code_of};
use crate::exit::ExitCode;

/// Detach keys for interactive execs. The engine's default (`ctrl-p,ctrl-q`) holds back every
/// Ctrl-P (shell history, psql) until the next key; this sequence is never typed by accident.
pub const DETACH_KEYS: &str = "ctrl-^,ctrl-^,ctrl-^";

/// What to run in the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRequest {
    /// Program and arguments, passed to the engine unchanged (never through a shell).
    pub argv: Vec<String>,
    /// Extra `KEY=VALUE` entries on top of the container's environment.
    pub env: Vec<String>,
    /// `user`, `uid`, `user:group` or `uid:gid`; `None`: the image's user.
    pub user: Option<String>,
    /// `None`: the image's working directory.
    pub working_dir: Option<String>,
    pub mode: ExecMode,
}

/// How the exec is attached to the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecMode {
    /// No TTY: stdout and stderr streamed separately; stdin as given.
    Streamed { stdin: ExecStdin },
    /// A TTY driven by the host terminal (stdin and stdout must be terminals).
    Interactive,
}

/// The stdin of a `Streamed` exec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecStdin {
    /// Not attached: the program reads EOF at once.
    Closed,
    /// These bytes, then EOF.
    Bytes(Vec<u8>),
    /// The host's stdin (e.g. a pipe) copied until EOF, then closed. Host stdin is read on a
    /// dedicated thread that owns it for the rest of the process.
    Host,
}

/// How an exec ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecOutcome {
    /// The program exited with this status (126/127 from the runtime are reported as
    /// [`DockerError::ExecStartFailed`] instead, when the runtime said so).
    Exited(i64),
    /// A signal (Ctrl-C) stopped the waiting; the program may still run in the container.
    Interrupted,
}

impl ExecOutcome {
    /// The exit code `admin` should end with.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            ExecOutcome::Exited(code) => exit_code_of(*code),
            ExecOutcome::Interrupted => ExitCode::Interrupted,
        }
    }
}

/// Runs `request` in `container` (id or name; the name reads better in error messages) and
/// streams its output to `sink`. See the module docs for the two modes.
pub async fn exec<S: OutputSink + ?Sized>(
    docker: &Docker,
    container: &str,
    request: ExecRequest,
    sink: &mut S,
) -> Result<ExecOutcome, DockerError> {
    let run = Run {
        docker,
        container,
        program: request.argv.first().cloned().unwrap_or_default(),
        user: request.user.clone(),
        working_dir: request.working_dir.clone(),
    };
    let interactive = request.mode == ExecMode::Interactive;
    let size = if interactive {
        Some(terminal_size().map_err(terminal_error("reading the terminal size"))?)
    } else {
        None
    };
    // Handlers are installed before the program starts, so no signal is missed.
    let mut stop = StopSignals::new()?;
    let exec_id = docker
        .create_exec(container, exec_config(&request, size))
        .await
        .map_err(|source| run.create_error(source))?
        .id;
    let options = StartExecOptions {
        detach: false,
        tty: interactive,
        output_capacity: None,
    };
    let started = docker
        .start_exec(&exec_id, Some(options))
        .await
        .map_err(|source| run.api_error("start exec", source))?;
    let StartExecResults::Attached { output, input } = started else {
        // Not requested (detach: false), but then there is simply nothing to stream.
        return run.finish(&exec_id, &mut stop, None, sink).await;
    };
    match request.mode {
        ExecMode::Streamed { stdin } => {
            let pump = match stdin {
                ExecStdin::Closed => Pump(None),
                ExecStdin::Bytes(bytes) => Pump::start(input, Source::Bytes(bytes)),
                ExecStdin::Host => {
                    let rx = spawn_stdin_reader().map_err(|source| run.stdin_error(source))?;
                    Pump::start(input, Source::Channel(rx))
                }
            };
            let held = match run.stream(output, &mut stop, None, sink).await? {
                Streamed::Ended(held) => held,
                Streamed::Interrupted => return Ok(ExecOutcome::Interrupted),
            };
            let outcome = run.finish(&exec_id, &mut stop, held, sink).await?;
            if let ExecOutcome::Exited(_) = outcome {
                run.settle_stdin(pump).await?;
            }
            Ok(outcome)
        }
        ExecMode::Interactive => {
            let mut winch = signal(SignalKind::window_change())
                .map_err(terminal_error("listening for SIGWINCH"))?;
            let rx = spawn_stdin_reader().map_err(|source| run.stdin_error(source))?;
            let guard = RawModeGuard::enable().map_err(terminal_error("enabling raw mode"))?;
            if let Some((rows, cols)) = size {
                run.resize(&exec_id, rows, cols).await;
            }
            let pump = Pump::start(input, Source::Channel(rx));
            let resize = Resize {
                exec_id: &exec_id,
                winch: &mut winch,
            };
            let streamed = run.stream(output, &mut stop, Some(resize), sink).await;
            let outcome = match streamed {
                Ok(Streamed::Ended(held)) => run.finish(&exec_id, &mut stop, held, sink).await,
                Ok(Streamed::Interrupted) => Ok(ExecOutcome::Interrupted),
                Err(err) => Err(err),
            };
            // The stdin thread is blocked reading the terminal; the program is gone.
            drop(pump);
            let restored = guard.restore();
            let outcome = outcome?;
            restored.map_err(terminal_error("restoring the terminal"))?;
            Ok(outcome)
        }
    }
}

/// The exec body sent to the engine (pure; unit-tested).
fn exec_config(request: &ExecRequest, console: Option<(u16, u16)>) -> ExecConfig {
    let interactive = request.mode == ExecMode::Interactive;
    let attach_stdin = !matches!(
        request.mode,
        ExecMode::Streamed {
            stdin: ExecStdin::Closed
        }
    );
    ExecConfig {
        cmd: Some(request.argv.clone()),
        env: (!request.env.is_empty()).then(|| request.env.clone()),
        user: request.user.clone(),
        working_dir: request.working_dir.clone(),
        tty: Some(interactive),
        attach_stdin: Some(attach_stdin),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        console_size: console
            .filter(|(rows, cols)| interactive && *rows > 0 && *cols > 0)
            .map(|(rows, cols)| vec![usize::from(rows), usize::from(cols)]),
        detach_keys: interactive.then(|| DETACH_KEYS.to_string()),
        ..Default::default()
    }
}

enum Source {
    Bytes(Vec<u8>),
    Channel(mpsc::Receiver<StdinChunk>),
}

/// Copies stdin into the exec, then closes it (`shutdown` = EOF for the program).
async fn pump_stdin(
    mut input: Pin<Box<dyn AsyncWrite + Send>>,
    source: Source,
) -> std::io::Result<()> {
    match source {
        Source::Bytes(bytes) => input.write_all(&bytes).await?,
        Source::Channel(mut rx) => {
            while let Some(chunk) = rx.recv().await {
                input.write_all(&chunk?).await?;
                input.flush().await?;
            }
        }
    }
    input.shutdown().await
}

/// The task copying stdin into the exec; aborted when dropped, so no early return (error,
/// interrupt) leaves it running.
struct Pump(Option<JoinHandle<std::io::Result<()>>>);

impl Pump {
    fn start(input: Pin<Box<dyn AsyncWrite + Send>>, source: Source) -> Self {
        Pump(Some(tokio::spawn(pump_stdin(input, source))))
    }
}

impl Drop for Pump {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            handle.abort();
        }
    }
}

fn terminal_error(action: &'static str) -> impl FnOnce(std::io::Error) -> DockerError {
    move |source| DockerError::Terminal { action, source }
}

/// SIGINT, SIGTERM and SIGHUP: any of them stops the waiting.
struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl StopSignals {
    fn new() -> Result<Self, DockerError> {
        let listen =
            |kind: SignalKind| signal(kind).map_err(terminal_error("installing signal handlers"));
        Ok(StopSignals {
            interrupt: listen(SignalKind::interrupt())?,
            terminate: listen(SignalKind::terminate())?,
            hangup: listen(SignalKind::hangup())?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
        }
    }
}

struct Resize<'a> {
    exec_id: &'a str,
    winch: &'a mut Signal,
}

enum Streamed {
    /// The output ended; the withheld runtime start-failure message, if the first message was one.
    Ended(Option<Held>),
    Interrupted,
}

/// A first message withheld because it looked like a runtime start failure.
struct Held {
    message: Vec<u8>,
    stderr: bool,
}

type Output = Pin<Box<dyn futures_util::Stream<Item = Result<LogOutput, BollardError>> + Send>>;

struct Run<'a> {
    docker: &'a Docker,
    container: &'a str,
    program: String,
    user: Option<String>,
    working_dir: Option<String>,
}

impl Run<'_> {
    /// Streams output to the sink until it ends or a stop signal arrives; resizes on SIGWINCH.
    async fn stream<S: OutputSink + ?Sized>(
        &self,
        mut output: Output,
        stop: &mut StopSignals,
        mut resize: Option<Resize<'_>>,
        sink: &mut S,
    ) -> Result<Streamed, DockerError> {
        let mut first = true;
        let mut held = None;
        loop {
            let next = tokio::select! {
                next = output.try_next() => next,
                () = stop.recv() => return Ok(Streamed::Interrupted),
                Some(()) = async {
                    match resize.as_mut() {
                        Some(r) => r.winch.recv().await,
                        None => std::future::pending().await,
                    }
                } => {
                    if let (Some(r), Ok((rows, cols))) = (resize.as_ref(), terminal_size()) {
                        self.resize(r.exec_id, rows, cols).await;
                    }
                    continue;
                }
            };
            let Some(message) = next.map_err(|source| self.stream_error(source))? else {
                return Ok(Streamed::Ended(held));
            };
            let (bytes, stderr) = match message {
                LogOutput::StdErr { message } => (message, true),
                LogOutput::StdOut { message }
                | LogOutput::Console { message }
                | LogOutput::StdIn { message } => (message, false),
            };
            if std::mem::take(&mut first) && start_failure(&bytes).is_some() {
                held = Some(Held {
                    message: bytes.to_vec(),
                    stderr,
                });
                continue;
            }
            self.write(sink, &bytes, stderr)?;
        }
    }

    /// Waits for the exit code, then turns a withheld runtime message into an error (126/127)
    /// or hands it to the sink after all (the program printed it itself).
    async fn finish<S: OutputSink + ?Sized>(
        &self,
        exec_id: &str,
        stop: &mut StopSignals,
        held: Option<Held>,
        sink: &mut S,
    ) -> Result<ExecOutcome, DockerError> {
        let code = tokio::select! {
            code = self.wait_exit_code(exec_id) => code?,
            () = stop.recv() => return Ok(ExecOutcome::Interrupted),
        };
        if let Some(held) = held {
            match start_failure(&held.message) {
                Some(message) if code == 126 || code == 127 => {
                    return Err(DockerError::ExecStartFailed(Box::new(StartFailure {
                        program: self.program.clone(),
                        container: self.container.to_string(),
                        user: self.user.clone(),
                        working_dir: self.working_dir.clone(),
                        message,
                        exit_code: code,
                    })));
                }
                _ => self.write(sink, &held.message, held.stderr)?,
            }
        }
        sink.finish().map_err(|source| self.output_error(source))?;
        Ok(ExecOutcome::Exited(code))
    }

    /// Polls `inspect_exec` until the program has stopped (the output can end a moment earlier).
    async fn wait_exit_code(&self, exec_id: &str) -> Result<i64, DockerError> {
        let mut delay = Duration::from_millis(10);
        loop {
            let inspect = self
                .docker
                .inspect_exec(exec_id)
                .await
                .map_err(|source| self.api_error("inspect exec", source))?;
            if inspect.running != Some(true) {
                return inspect.exit_code.ok_or_else(|| DockerError::NoExitCode {
                    exec_id: exec_id.to_string(),
                    container: self.container.to_string(),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(250));
        }
    }

    /// After the program exited: stdin still being copied is abandoned; a copy that failed is
    /// an error unless the program had closed its end (it exited without reading everything,
    /// like `head` in a pipe).
    async fn settle_stdin(&self, mut pump: Pump) -> Result<(), DockerError> {
        let Some(handle) = pump.0.take() else {
            return Ok(());
        };
        if !handle.is_finished() {
            handle.abort();
            return Ok(());
        }
        match handle.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) if is_closed_pipe(&err) => {
                tracing::debug!("{} exited before reading all of stdin: {err}", self.program);
                Ok(())
            }
            Ok(Err(source)) => Err(self.stdin_error(source)),
            Err(join) => Err(self.stdin_error(std::io::Error::other(join))),
        }
    }

    /// Sends the terminal size. The engine refuses it once the exec has ended (404/500), which
    /// is harmless, so a failure is only logged.
    async fn resize(&self, exec_id: &str, rows: u16, cols: u16) {
        let options = ResizeExecOptionsBuilder::new()
            .h(i32::from(rows))
            .w(i32::from(cols))
            .build();
        if let Err(err) = self.docker.resize_exec(exec_id, options).await {
            tracing::debug!("resize of exec {exec_id} to {rows}x{cols} refused: {err}");
        }
    }

    fn write<S: OutputSink + ?Sized>(
        &self,
        sink: &mut S,
        bytes: &[u8],
        stderr: bool,
    ) -> Result<(), DockerError> {
        let written = if stderr {
            sink.stderr(bytes)
        } else {
            sink.stdout(bytes)
        };
        written.map_err(|source| self.output_error(source))
    }

    fn create_error(&self, source: BollardError) -> DockerError {
        match source {
            BollardError::DockerResponseServerError {
                status_code: 404 | 409,
                ..
            } => DockerError::ContainerGone {
                container: self.container.to_string(),
                source: Box::new(source),
            },
            source => self.api_error("create exec", source),
        }
    }

    fn api_error(&self, call: &'static str, source: BollardError) -> DockerError {
        DockerError::Api {
            call,
            target: format!("`{}` in container {}", self.program, self.container),
            source: Box::new(source),
        }
    }

    fn stream_error(&self, source: BollardError) -> DockerError {
        DockerError::Stream {
            program: self.program.clone(),
            container: self.container.to_string(),
            source: Box::new(source),
        }
    }

    fn stdin_error(&self, source: std::io::Error) -> DockerError {
        DockerError::Stdin {
            program: self.program.clone(),
            container: self.container.to_string(),
            source,
        }
    }

    fn output_error(&self, source: std::io::Error) -> DockerError {
        DockerError::Output {
            program: self.program.clone(),
            source,
        }
    }
}

fn is_closed_pipe(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(err.kind(), BrokenPipe | ConnectionReset | NotConnected)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests {
    use super::*;

    fn request(mode: ExecMode) -> ExecRequest {
        ExecRequest {
            argv: vec![
                "migrator".into(),
                "migrate".into(),
                "it's; $(rm -rf /)".into(),
            ],
            env: vec!["RUST_LOG=info".into()],
            user: Some("1000:1000".into()),
            working_dir: Some("/app".into()),
            mode,
        }
    }

    #[test]
    fn argv_env_user_and_dir_pass_through_unchanged() {
        let config = exec_config(
            &request(ExecMode::Streamed {
                stdin: ExecStdin::Closed,
            }),
            None,
        );
        assert_eq!(
            config.cmd,
            Some(vec![
                "migrator".to_string(),
                "migrate".to_string(),
                "it's; $(rm -rf /)".to_string()
            ])
        );
        assert_eq!(config.env, Some(vec!["RUST_LOG=info".to_string()]));
        assert_eq!(config.user.as_deref(), Some("1000:1000"));
        assert_eq!(config.working_dir.as_deref(), Some("/app"));
        assert_eq!(config.tty, Some(false));
        assert_eq!(config.attach_stdin, Some(false));
        assert_eq!(
            (config.attach_stdout, config.attach_stderr),
            (Some(true), Some(true))
        );
        assert_eq!(config.console_size, None);
        assert_eq!(config.detach_keys, None);
    }

    #[test]
    fn piped_stdin_is_attached_without_tty() {
        let config = exec_config(
            &request(ExecMode::Streamed {
                stdin: ExecStdin::Host,
            }),
            None,
        );
        assert_eq!((config.tty, config.attach_stdin), (Some(false), Some(true)));
        let mut no_env = request(ExecMode::Streamed {
            stdin: ExecStdin::Bytes(b"x".to_vec()),
        });
        no_env.env.clear();
        assert_eq!(exec_config(&no_env, None).env, None);
    }

    #[test]
    fn interactive_gets_tty_console_size_and_detach_keys() {
        let config = exec_config(&request(ExecMode::Interactive), Some((40, 120)));
        assert_eq!(config.tty, Some(true));
        assert_eq!(config.attach_stdin, Some(true));
        assert_eq!(config.console_size, Some(vec![40, 120]));
        assert_eq!(config.detach_keys.as_deref(), Some("ctrl-^,ctrl-^,ctrl-^"));
        let unknown_size = exec_config(&request(ExecMode::Interactive), Some((0, 0)));
        assert_eq!(unknown_size.console_size, None);
    }

    #[test]
    fn outcome_exit_codes() {
        assert_eq!(ExecOutcome::Exited(0).exit_code(), ExitCode::Success);
        assert_eq!(ExecOutcome::Exited(5).exit_code().code(), 5);
        assert_eq!(ExecOutcome::Interrupted.exit_code().code(), 130);
    }

    #[test]
    fn closed_pipe_kinds_only() {
        assert!(is_closed_pipe(&std::io::Error::from(
            std::io::ErrorKind::BrokenPipe
        )));
        assert!(!is_closed_pipe(&std::io::Error::from(
            std::io::ErrorKind::PermissionDenied
        )));
    }
}
