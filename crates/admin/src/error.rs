//! Errors of the host-side commands that are neither Compose nor Docker API errors.

use crate::exit::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(
        "the {service} container is not running and --up needs the Compose CLI, but neither `docker compose` nor `docker-compose` works here\nhint: install Docker Compose, or start the stack yourself: {command}"
    )]
    NoComposeCli { service: String, command: String },

    #[error(
        "`{command}` failed with exit status {status}\nhint: run it yourself to see why: {command}"
    )]
    UpFailed { command: String, status: String },

    #[error(
        "the {service} container did not become ready within {seconds}s (last state: {state})\nhint: look at its logs: {logs}"
    )]
    NotReady {
        service: String,
        seconds: u64,
        state: String,
        logs: String,
    },

    #[error(
        "interrupted: stopped waiting for `{program}` in container {container}; it may still be running there (the Docker Engine API cannot stop an exec)\nhint: check what happened with: admin db history"
    )]
    Interrupted { program: String, container: String },

    #[error(
        "makemigrations writes new files into your working tree; with --files image it can only --check\nhint: run it with the working tree's files: admin --files host db makemigrations -m \"…\""
    )]
    ImageMakemigrations,

    /// The migrator's own error, rendered with host paths and `admin db …` commands.
    #[error("{text}")]
    Migrator { text: String, code: u8 },

    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl AdminError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            AdminError::NoComposeCli { .. } | AdminError::NotReady { .. } => {
                ExitCode::ContainerNotRunning
            }
            AdminError::UpFailed { .. } | AdminError::Output(_) => ExitCode::Failure,
            AdminError::Interrupted { .. } => ExitCode::Interrupted,
            AdminError::ImageMakemigrations => ExitCode::Usage,
            AdminError::Migrator { code, .. } => ExitCode::External(*code),
        }
    }
}
