//! Where the API runs: the one seam every db command talks to. A [`Target`] runs an argv
//! (stdin, stdout/stderr or a TTY), reads the environment the program sees, and reports the
//! exit code; the commands know nothing else about it.
//!
//! Implementations:
//! - [`service::ServiceTarget`]: the API service's running container (`docker exec`);
//! - [`oneoff::OneOffTarget`]: a one-off container created from the service's resolved
//!   configuration for each run and removed afterwards (`docker compose run --rm`), used when
//!   the service has no running container, or always with `--run`.
//!
//! [`select::select`] picks one for a project; a Kubernetes pod or a Swarm task is one more
//! implementation (ARCHITECTURE.md, "Targets").

pub mod oneoff;
pub mod select;
pub mod service;
pub mod stack;
pub mod swarm;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use crate::docker::{DockerError, ExecOutcome, ExecRequest, OutputSink};

pub use select::select;

/// A future borrowed from the target (no `Send` needed: commands await it in place).
pub type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Where a db command runs the migrator (or a shell).
pub trait Target {
    /// What it is, for messages: `container shop-api-1`, `a one-off container of service api`.
    fn describe(&self) -> String;

    /// Runs `request` and streams its output to `sink` until it ends (or Ctrl-C).
    fn run<'a>(
        &'a self,
        request: ExecRequest,
        sink: &'a mut dyn OutputSink,
    ) -> Fut<'a, Result<ExecOutcome, DockerError>>;

    /// Whether an interrupted run is stopped (a one-off container is killed), rather than left
    /// running (an exec cannot be stopped through the Engine API).
    fn stops_on_interrupt(&self) -> bool {
        false
    }

    /// Whether the program can be given stdin (a Swarm job cannot).
    fn takes_stdin(&self) -> bool {
        true
    }

    /// The environment the program will see (names and values: never print the values).
    fn env(&self) -> Fut<'_, Result<BTreeMap<String, String>, DockerError>>;

    /// Whether `program` can be started there (to prefer bash over sh).
    fn has_program<'a>(&'a self, program: &'a str) -> Fut<'a, Result<bool, DockerError>> {
        Box::pin(async move {
            let request = ExecRequest {
                argv: vec![program.to_string(), "--version".to_string()],
                env: Vec::new(),
                user: None,
                working_dir: None,
                mode: crate::docker::ExecMode::Streamed {
                    stdin: crate::docker::ExecStdin::Closed,
                },
            };
            let mut sink = Discard;
            match self.run(request, &mut sink).await {
                Ok(ExecOutcome::Exited(code)) => Ok(code == 0),
                Ok(ExecOutcome::Interrupted) => Ok(false),
                Err(DockerError::ExecStartFailed(_)) => Ok(false),
                Err(e) => Err(e),
            }
        })
    }
}

/// A sink that drops output (probes only).
struct Discard;

impl OutputSink for Discard {
    fn stdout(&mut self, _bytes: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
    fn stderr(&mut self, _bytes: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
}

/// The target of one admin command, picked on first use (after every local check passed)
/// and shared by each run of the command (`--all-databases` runs several side by side).
pub struct Picked<'a> {
    settings: &'a crate::settings::Settings,
    project: &'a crate::compose::Project,
    printer: &'a crate::output::Printer,
    cell: tokio::sync::OnceCell<Box<dyn Target>>,
}

impl<'a> Picked<'a> {
    pub fn new(
        settings: &'a crate::settings::Settings,
        project: &'a crate::compose::Project,
        printer: &'a crate::output::Printer,
    ) -> Self {
        Picked {
            settings,
            project,
            printer,
            cell: tokio::sync::OnceCell::new(),
        }
    }

    /// The target, selected the first time (concurrent callers wait for that one selection).
    pub async fn get(&self) -> anyhow::Result<&dyn Target> {
        let target = self
            .cell
            .get_or_try_init(|| select(self.settings, self.project, self.printer))
            .await?;
        Ok(target.as_ref())
    }
}
