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

use bollard::Docker;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;

use super::attached::{Run, Session, StopSignals, Streams, drive};
use super::sink::OutputSink;
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
        session: Session::Container,
    };
    let size = super::attached::session_size(&request.mode)?;
    // Handlers are installed before the program starts, so no signal is missed.
    let mut stop = StopSignals::new()?;
    let exec_id = docker
        .create_exec(container, exec_config(&request, size))
        .await
        .map_err(|source| run.create_error(source))?
        .id;
    let run = Run {
        session: Session::Exec(exec_id.clone()),
        ..run
    };
    let options = StartExecOptions {
        detach: false,
        tty: size.is_some(),
        output_capacity: None,
    };
    let started = docker
        .start_exec(&exec_id, Some(options))
        .await
        .map_err(|source| run.api_error("start exec", source))?;
    let StartExecResults::Attached { output, input } = started else {
        // Not requested (detach: false), but then there is simply nothing to stream.
        return run.finish(&mut stop, None, sink).await;
    };
    drive(
        &run,
        Streams { output, input },
        request.mode,
        size,
        &mut stop,
        sink,
    )
    .await
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
}
