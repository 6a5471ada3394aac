//! `admin` command line (clap derive, no logic). The db subcommands reuse the migrator's own
//! argument types, so they map one-to-one onto the migrator's commands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::output::Format;
use protocol::cli::{
    BaselineArgs, DowngradeArgs, GraphArgs, MakemigrationsArgs, MigrateArgs, PullArgs, ResetArgs,
    SqlmigrateArgs, SquashArgs, StampArgs,
};

const MAKEMIGRATIONS_HELP: &str = "Files: the migrations folder and schema.sql of your working tree are sent to the migrator in \
the API container through the Docker API (no bind mount needed), and the new pair is written \
here by admin, as you, whole or not at all. --schema is a path on this machine. \
Shadow databases go to SHADOW_DATABASE_URL's server when it is set (a scratch server without \
durability, like the reference stack's `shadow` service, is 3-5x faster), else to \
DATABASE_URL's (its role needs CREATEDB).";

const EXAMPLES: &str = "Examples:
  admin db env_check                      what the stack needs, host and container
  admin db makemigrations -m \"add users\"  new migration pair in your migrations folder
  admin --up db migrate                   start the API service if needed, then migrate
  admin --run db migrate                  migrate from a one-off container (API not started)
  admin db downgrade -1                   revert the newest migration
  admin db history                        every migration and its state
  admin db squash TO -m \"base schema\"     one proven migration in place of those up to TO
  admin db graph --to svg -o er.svg       ER diagram of schema.sql (Mermaid on stdout by default)
  admin db shell                          a shell in the API container
  admin db dbshell                        psql on the project database
  admin db dbshell -- -c 'select 1'       psql arguments after --
  echo 'ls migrations' | admin db shell   a script on stdin, no TTY
  admin --database analytics db migrate   one of the databases in x-admin.databases
  admin --all-databases db migrate        each of them, side by side, one report

Files: every db command that reads migrations uses your working tree (the migrations folder
and schema.sql, sent to the migrator through the Docker API), so what you edited is what
runs; `--files image` (or `x-admin: {files: image}`) uses the files baked into the API
image instead, as production deployments do. `current` reads only the database.

Exit codes: 0 ok, 1 failure, 2 usage, 3 database unreachable, 4 lock timeout,
5 migration failed, 6 integrity, 7 invalid input, 8 proof failed, 10 compose,
11 docker unreachable, 12 container not running, 126 program not executable in the
container, 127 program not found in the container (e.g. an image without the migrator),
130 interrupted; the migrator's code is passed through.

Where it runs: the API service's running container (docker exec); when it has none, a
one-off container from the service's configuration, removed afterwards (--run always,
--up starts the service instead). Stopped dependencies are started, never recreated.";

/// Django/Alembic-style database commands for a Docker Compose project.
///
/// `admin` finds the Compose file like `docker compose` does, picks the API service and runs
/// `migrator` inside its running container through the Docker Engine API (or, when it has
/// none, in a one-off container created from its configuration, like `docker compose run`).
#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "admin", version, about, long_about, after_help = EXAMPLES)]
pub struct Cli {
    /// Compose file (repeatable; later files override earlier ones). Default: COMPOSE_FILE,
    /// else compose.yaml / compose.yml / docker-compose.yml / docker-compose.yaml searched
    /// upwards, plus its override file.
    #[arg(short = 'f', long = "file", value_name = "FILE", global = true)]
    pub files: Vec<PathBuf>,

    /// Project name (default: COMPOSE_PROJECT_NAME, `name:`, or the project directory's name).
    #[arg(short = 'p', long = "project-name", value_name = "NAME", global = true)]
    pub project_name: Option<String>,

    /// Project directory (default: the first Compose file's directory).
    #[arg(long, value_name = "DIR", global = true)]
    pub project_directory: Option<PathBuf>,

    /// Read variables from FILE instead of the project directory's `.env` (repeatable; later
    /// files win, as with `docker compose --env-file`).
    #[arg(long, value_name = "FILE", global = true)]
    pub env_file: Vec<PathBuf>,

    /// The API service (default: ADMIN_SERVICE, `x-admin: {service: …}`, or `api`).
    #[arg(long, value_name = "NAME", global = true)]
    pub service: Option<String>,

    /// When the API service has no running container, start it (never recreating anything:
    /// a stopped container is started, a missing one created with `up -d --no-recreate`) and
    /// wait for it, instead of using a one-off container.
    #[arg(long, global = true, conflicts_with = "run")]
    pub up: bool,

    /// Always run in a one-off container created from the API service's configuration (like
    /// `docker compose run --rm`), even when the service runs. Without --run or --up, a
    /// one-off container is used only when the service has no running container.
    #[arg(long, global = true)]
    pub run: bool,

    /// Where migration files and schema.sql come from: `host` (the default: your working
    /// tree, sent to the migrator through the Docker API; new migrations are written here) or
    /// `image` (the files baked into the API image, for production images). Default:
    /// ADMIN_FILES, `x-admin: {files: …}`, or `host`.
    #[arg(long = "files", value_enum, value_name = "FROM", global = true)]
    pub files_from: Option<crate::files::FilesFrom>,

    /// The host's migrations folder (default: ADMIN_MIGRATIONS_DIR, `x-admin: {migrations:
    /// …}` relative to the project directory, the API service's bind mount of a `…/migrations`
    /// folder, ./migrations, or <project dir>/migrations).
    #[arg(long, value_name = "DIR", global = true)]
    pub migrations_dir: Option<PathBuf>,

    /// The database to work on, by its name in `x-admin.databases` (default: ADMIN_DATABASE,
    /// the one named `default`, else the first declared; a project that declares none has
    /// one: the API service's DATABASE_URL).
    #[arg(long, value_name = "NAME", global = true)]
    pub database: Option<String>,

    /// Run the command on every database of `x-admin.databases`, in parallel: one combined
    /// report (each line prefixed with the database's name; `--format json`: one document)
    /// and one exit code (0 when every database succeeded, else the first failing one's, in
    /// the order declared).
    #[arg(long, global = true, conflicts_with = "database")]
    pub all_databases: bool,

    /// Output format; `json` prints machine-readable results on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    pub format: Format,

    /// More detail on stderr (repeatable; passed on to the migrator).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: TopCommand,
}

#[derive(Debug, Clone, PartialEq, Subcommand)]
pub enum TopCommand {
    /// Database commands, run by `migrator` in the API service's container (or a one-off one).
    #[command(subcommand)]
    Db(DbCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, PartialEq, Subcommand)]
pub enum DbCommand {
    /// Write a new migration pair into your migrations folder, generated from schema.sql.
    #[command(after_help = MAKEMIGRATIONS_HELP)]
    Makemigrations(MakemigrationsArgs),
    /// Apply pending migrations: all (`head`, the default), the next N (`+N`) or up to VERSION;
    /// `--plan` lists what would run.
    Migrate(MigrateArgs),
    /// Revert migrations: -N steps (default -1), down to VERSION, or `base`/`zero`; `--plan`
    /// lists what would run.
    Downgrade(DowngradeArgs),
    /// Every migration: version, description, state, applied at, duration; `<- current` marks
    /// the newest applied one.
    History,
    /// The newest applied migration, or "none".
    Current,
    /// Record migrations as applied without running them (up to VERSION, `head`), or none
    /// (`base`).
    Stamp(StampArgs),
    /// Print the SQL of a migration.
    Sqlmigrate(SqlmigrateArgs),
    /// Write schema.sql (or -o FILE) from the live database, proven; --force replaces a file.
    Pull(PullArgs),
    /// Adopt an existing database: an initial migration that creates exactly its schema
    /// (proven), written into your (empty) migrations folder and recorded as applied.
    Baseline(BaselineArgs),
    /// Development only: drop every object of the database and migrate again (asks on a
    /// terminal, --yes otherwise; a database whose name or host says prod/production/prd/live
    /// is refused).
    Reset(ResetArgs),
    /// Compare the live database with what its applied migrations build: exit 0 when they
    /// match, 1 listing what was changed by hand (`--format json` too).
    Drift,
    /// A shell in the API container (bash if present, else sh), or run `-- CMD ARGS...`.
    Shell(ShellArgs),
    /// psql on the project database, in the database service's container, connected with the
    /// API service's DATABASE_URL (never printed); `-- ARGS` go to psql.
    Dbshell(ShellArgs),
    /// Check the variables the stack needs, on the host and in the container (never shows values).
    #[command(name = "env_check", visible_alias = "env-check")]
    EnvCheck,
    /// Replace the migrations FROM..=TO (FROM: the first) in your folder with one proven
    /// migration at TO's version that records what it replaces; databases that applied them see
    /// it as applied (their next `db migrate` rewrites the bookkeeping); --concat keeps the
    /// scripts as they are.
    #[command(after_help = MAKEMIGRATIONS_HELP)]
    Squash(SquashArgs),
    /// An ER diagram of schema.sql (or of the live database with --from-database): Mermaid on
    /// stdout, or --to svg; -o FILE writes it here (--force replaces it).
    Graph(GraphArgs),
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct ShellArgs {
    /// Command and arguments to run instead of an interactive shell (after `--`).
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_global_flags_anywhere_and_env_check_name() {
        let cli = Cli::try_parse_from([
            "admin",
            "-f",
            "a.yml",
            "-f",
            "b.yml",
            "db",
            "env_check",
            "-p",
            "demo",
        ]);
        let cli = cli.map_err(|e| e.to_string());
        assert_eq!(
            cli.as_ref()
                .map(|c| (c.files.clone(), c.project_name.clone(), c.command.clone())),
            Ok((
                vec![PathBuf::from("a.yml"), PathBuf::from("b.yml")],
                Some("demo".to_string()),
                TopCommand::Db(DbCommand::EnvCheck)
            ))
        );
    }

    #[test]
    fn shell_takes_a_command_after_dashes() {
        let cli = Cli::try_parse_from(["admin", "db", "shell", "--", "psql", "-c", "select 1"])
            .map_err(|e| e.to_string());
        assert_eq!(
            cli.map(|c| c.command),
            Ok(TopCommand::Db(DbCommand::Shell(ShellArgs {
                command: vec!["psql".into(), "-c".into(), "select 1".into()]
            })))
        );
    }
}
