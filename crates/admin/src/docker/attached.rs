//! Driving an attached program (an exec, or a one-off container's main process): stream its
//! output to the caller's [`OutputSink`], copy stdin in (then close it), drive a TTY (raw mode,
//! size at start and on SIGWINCH), stop waiting on SIGINT/SIGTERM/SIGHUP, and get the exit
//! code. What differs between an exec and a container (resize, exit code) is [`Session`].

use std::pin::Pin;
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::query_parameters::{ResizeContainerTTYOptionsBuilder, ResizeExecOptionsBuilder};
use futures_util::TryStreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::DockerError;
use super::exec::{ExecMode, ExecOutcome, ExecStdin};
use super::sink::OutputSink;
use super::start_failure::{StartFailure, start_failure};
use super::terminal::{RawModeGuard, StdinChunk, spawn_stdin_reader, terminal_size};

/// What is attached: an exec (by id) or a container's main process.
pub(super) enum Session {
    Exec(String),
    Container,
}

/// The attached streams of a started exec or container.
pub(super) struct Streams {
    pub output: Output,
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
}

/// Drives an attached program to its end: see the module docs.
pub(super) async fn drive<S: OutputSink + ?Sized>(
    run: &Run<'_>,
    streams: Streams,
    mode: ExecMode,
    size: Option<(u16, u16)>,
    stop: &mut StopSignals,
    sink: &mut S,
) -> Result<ExecOutcome, DockerError> {
    let Streams { output, input } = streams;
    match mode {
        ExecMode::Streamed { stdin } => {
            let pump = match stdin {
                ExecStdin::Closed => Pump(None),
                ExecStdin::Bytes(bytes) => Pump::start(input, Source::Bytes(bytes)),
                ExecStdin::Host => {
                    let rx = spawn_stdin_reader().map_err(|source| run.stdin_error(source))?;
                    Pump::start(input, Source::Channel(rx))
                }
            };
            let held = match run.stream(output, stop, None, sink).await? {
                Streamed::Ended(held) => held,
                Streamed::Interrupted => return Ok(ExecOutcome::Interrupted),
            };
            let outcome = run.finish(stop, held, sink).await?;
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
                run.resize(rows, cols).await;
            }
            let pump = Pump::start(input, Source::Channel(rx));
            let streamed = run.stream(output, stop, Some(&mut winch), sink).await;
            let outcome = match streamed {
                Ok(Streamed::Ended(held)) => run.finish(stop, held, sink).await,
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

pub(super) fn terminal_error(action: &'static str) -> impl FnOnce(std::io::Error) -> DockerError {
    move |source| DockerError::Terminal { action, source }
}

/// SIGINT, SIGTERM and SIGHUP: any of them stops the waiting.
pub(super) struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl StopSignals {
    pub(super) fn new() -> Result<Self, DockerError> {
        let listen =
            |kind: SignalKind| signal(kind).map_err(terminal_error("installing signal handlers"));
        Ok(StopSignals {
            interrupt: listen(SignalKind::interrupt())?,
            terminate: listen(SignalKind::terminate())?,
            hangup: listen(SignalKind::hangup())?,
        })
    }

    pub(super) async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
        }
    }
}

enum Streamed {
    /// The output ended; the withheld runtime start-failure message, if the first message was one.
    Ended(Option<Held>),
    Interrupted,
}

/// A first message withheld because it looked like a runtime start failure.
pub(super) struct Held {
    message: Vec<u8>,
    stderr: bool,
}

pub(super) type Output =
    Pin<Box<dyn futures_util::Stream<Item = Result<LogOutput, BollardError>> + Send>>;

pub(super) struct Run<'a> {
    pub docker: &'a Docker,
    pub container: &'a str,
    pub program: String,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub session: Session,
}

impl Run<'_> {
    /// Streams output to the sink until it ends or a stop signal arrives; resizes on SIGWINCH.
    async fn stream<S: OutputSink + ?Sized>(
        &self,
        mut output: Output,
        stop: &mut StopSignals,
        mut winch: Option<&mut Signal>,
        sink: &mut S,
    ) -> Result<Streamed, DockerError> {
        let mut first = true;
        let mut held = None;
        loop {
            let next = tokio::select! {
                next = output.try_next() => next,
                () = stop.recv() => return Ok(Streamed::Interrupted),
                Some(()) = async {
                    match winch.as_mut() {
                        Some(w) => w.recv().await,
                        None => std::future::pending().await,
                    }
                } => {
                    if let Ok((rows, cols)) = terminal_size() {
                        self.resize(rows, cols).await;
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
    pub(super) async fn finish<S: OutputSink + ?Sized>(
        &self,
        stop: &mut StopSignals,
        held: Option<Held>,
        sink: &mut S,
    ) -> Result<ExecOutcome, DockerError> {
        let code = tokio::select! {
            code = self.wait_exit_code() => code?,
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

    /// Polls `inspect_exec` (or the container's state) until the program has stopped (the
    /// output can end a moment earlier).
    async fn wait_exit_code(&self) -> Result<i64, DockerError> {
        let mut delay = Duration::from_millis(10);
        let Session::Exec(exec_id) = &self.session else {
            loop {
                let inspect = self
                    .docker
                    .inspect_container(self.container, None)
                    .await
                    .map_err(|source| self.api_error("inspect container", source))?;
                let state = inspect.state.unwrap_or_default();
                if state.running != Some(true) {
                    return state.exit_code.ok_or_else(|| DockerError::NoExitCode {
                        exec_id: "(main process)".to_string(),
                        container: self.container.to_string(),
                    });
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_millis(250));
            }
        };
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
    pub(super) async fn resize(&self, rows: u16, cols: u16) {
        let refused = match &self.session {
            Session::Exec(exec_id) => {
                let options = ResizeExecOptionsBuilder::new()
                    .h(i32::from(rows))
                    .w(i32::from(cols))
                    .build();
                self.docker.resize_exec(exec_id, options).await.err()
            }
            Session::Container => {
                let options = ResizeContainerTTYOptionsBuilder::new()
                    .h(i32::from(rows))
                    .w(i32::from(cols))
                    .build();
                self.docker
                    .resize_container_tty(self.container, options)
                    .await
                    .err()
            }
        };
        if let Some(err) = refused {
            tracing::debug!("resize to {rows}x{cols} refused: {err}");
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

    pub(super) fn create_error(&self, source: BollardError) -> DockerError {
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

    pub(super) fn api_error(&self, call: &'static str, source: BollardError) -> DockerError {
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

    pub(super) fn stdin_error(&self, source: std::io::Error) -> DockerError {
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

pub(super) fn is_closed_pipe(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(err.kind(), BrokenPipe | ConnectionReset | NotConnected)
}

/// The host terminal's size for an interactive session (`None` otherwise), read before the
/// program starts.
pub(super) fn session_size(
    mode: &super::exec::ExecMode,
) -> Result<Option<(u16, u16)>, DockerError> {
    if *mode != super::exec::ExecMode::Interactive {
        return Ok(None);
    }
    super::terminal::terminal_size()
        .map(Some)
        .map_err(terminal_error("reading the terminal size"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
