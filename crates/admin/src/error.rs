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
        "interrupted: stopped waiting for `{program}` in {target}; {}\nhint: check what happened with: admin db history",
        if *killed { "the container was killed and removed" } else { "it may still be running there (the Docker Engine API cannot stop an exec)" }
    )]
    Interrupted {
        program: String,
        /// `container shop-api-1`, `a one-off container of service api …`.
        target: String,
        /// The program was stopped (a one-off container is killed), not left running.
        killed: bool,
    },

    #[error(
        "makemigrations writes new files into your working tree; with --files image it can only --check\nhint: run it with the working tree's files: admin --files host db makemigrations -m \"…\""
    )]
    ImageMakemigrations,

    #[error(
        "squash rewrites the migrations of your working tree; with --files image there is no working tree to write\nhint: run it with the working tree's files: admin --files host db squash …"
    )]
    ImageSquash,

    #[error(
        "the {service} service has no running container and its image {image} is not on this engine, so no one-off container can be created\nhint: {hint}"
    )]
    NoImage {
        service: String,
        image: String,
        hint: String,
    },

    #[error(
        "the external {kind} {name} does not exist (the Compose file says it is made outside Compose)\nhint: {hint}"
    )]
    ExternalMissing {
        kind: &'static str,
        name: String,
        hint: String,
    },

    #[error(
        "cannot start the migrator `{program}` in {target}: {message}\nhint: the {service} service's image must contain the migrator binary (copy it into the image, as docker/api.Dockerfile does); if it is at another path there, set ADMIN_MIGRATOR=/path/to/migrator or `x-admin: {{migrator: /path/to/migrator}}` in the Compose file"
    )]
    NoMigrator {
        program: String,
        service: String,
        target: String,
        message: String,
        /// 126 (not executable) or 127 (not found), passed through.
        code: u8,
    },

    #[error(
        "service {service} of stack {stack} runs on {}, not on this engine\nhint: run admin against that node's engine: DOCKER_HOST=ssh://{} admin -p {stack} db … (or a Docker context for it), or run a one-off swarm job: admin --run --files image db …",
        nodes.join(", "), first_node
    )]
    StackElsewhere {
        stack: String,
        service: String,
        /// `host (addr)` of each node with a running task.
        nodes: Vec<String>,
        /// The first node's address (or hostname), for the hint.
        first_node: String,
    },

    #[error(
        "the swarm service {stack}_{service} has no running task (--up cannot start a stack service; without --up, admin runs a one-off swarm job)\nhint: see why: docker service ps {stack}_{service} --no-trunc"
    )]
    StackNoTask { stack: String, service: String },

    #[error(
        "the {service} service has no {var}, so dbshell does not know which database to open\nhint: set {var} in the service's environment (`environment:` or `env_file:`), then check with: admin db env_check"
    )]
    DbshellNoUrl { service: String, var: String },

    #[error(
        "the {service} service's {var} is not a postgres:// URL (its value is not shown)\nhint: check it with: admin db env_check"
    )]
    DbshellBadUrl { service: String, var: String },

    #[error(
        "no Compose service is the database: {host} names none of the project's services\nhint: name it in the Compose file: x-admin: {{db_service: db}}"
    )]
    DbshellNoService { host: String },

    #[error(
        "cannot run psql in the {service} service's container: {message}\nhint: use an image with the PostgreSQL client for that service (the official postgres images have it), or name another service: x-admin: {{db_service: NAME}}"
    )]
    NoPsql { service: String, message: String },

    #[error(
        "{shown} exists; nothing was written\nhint: replace it: admin db pull --force, or write another file: admin db pull -o FILE"
    )]
    PullExists { shown: String },

    #[error(
        "{shown} exists; nothing was written\nhint: replace it: admin db graph -o {shown} --force, or write another file"
    )]
    GraphExists { shown: String },

    #[error(
        "{target} has no stdin, so your working tree's files cannot be sent to it\nhint: use the files in the image: admin --files image {command}"
    )]
    NoStdin { target: String, command: String },

    #[error(
        "reset drops every object of the database and there is no terminal to ask on; nothing was changed\nhint: confirm it: admin db reset --yes"
    )]
    ResetNeedsYes,

    #[error("reset was not confirmed; nothing was changed")]
    ResetDeclined,

    /// The migrator's own error, rendered with host paths and `admin db …` commands.
    #[error("{text}")]
    Migrator { text: String, code: u8 },

    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl AdminError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            AdminError::NoComposeCli { .. }
            | AdminError::NotReady { .. }
            | AdminError::NoImage { .. }
            | AdminError::ExternalMissing { .. }
            | AdminError::StackElsewhere { .. }
            | AdminError::StackNoTask { .. } => ExitCode::ContainerNotRunning,
            AdminError::DbshellNoUrl { .. }
            | AdminError::DbshellBadUrl { .. }
            | AdminError::DbshellNoService { .. } => ExitCode::Usage,
            AdminError::NoPsql { .. } => ExitCode::External(127),
            AdminError::UpFailed { .. } | AdminError::Output(_) => ExitCode::Failure,
            AdminError::Interrupted { .. } => ExitCode::Interrupted,
            AdminError::ImageMakemigrations | AdminError::ImageSquash => ExitCode::Usage,
            AdminError::PullExists { .. } | AdminError::GraphExists { .. } => {
                ExitCode::InvalidInput
            }
            AdminError::NoStdin { .. } | AdminError::ResetNeedsYes => ExitCode::Usage,
            AdminError::ResetDeclined => ExitCode::Failure,
            AdminError::Migrator { code, .. } | AdminError::NoMigrator { code, .. } => {
                ExitCode::External(*code)
            }
        }
    }
}
