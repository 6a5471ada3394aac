//! Host side: the `admin` CLI. Never connects to Postgres (see ARCHITECTURE.md).

pub mod cli;
pub mod commands;
pub mod compose;
pub mod docker;
pub mod error;
pub mod settings;

use clap::CommandFactory;

use crate::exit::ExitCode;
use crate::migrator::cli::Command as MigratorCommand;
use crate::output::Printer;
use cli::{Cli, DbCommand, TopCommand};
use compose::EnvMap;
use settings::Settings;

/// The process environment, read once (non-UTF-8 entries cannot take part in Compose
/// interpolation and are left out).
pub fn os_env() -> EnvMap {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Runs one `admin` command.
pub async fn run(cli: Cli, printer: &Printer) -> anyhow::Result<ExitCode> {
    let db = match &cli.command {
        TopCommand::Completions(a) => {
            let mut out = Vec::new();
            clap_complete::generate(a.shell, &mut Cli::command(), "admin", &mut out);
            printer.raw_stdout(&out)?;
            return Ok(ExitCode::Success);
        }
        TopCommand::Db(db) => db.clone(),
    };
    let cwd = std::env::current_dir()?;
    let settings = Settings::resolve(&cli, cwd.clone(), os_env());
    let project = compose::resolve(&settings.resolve, &cwd, &settings.os_env)?;
    for w in &project.warnings {
        printer.warn(w)?;
    }
    printer.verbose(&format!(
        "project {} ({}), service {}, files: {}",
        project.name,
        project.dir.display(),
        project.service,
        project
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let migrator = |command: MigratorCommand, user: Option<String>| {
        commands::migrator::run(&settings, &project, printer, command, user)
    };
    match db {
        DbCommand::Makemigrations(a) => {
            let user = a.user.clone().unwrap_or_else(docker::host_user);
            migrator(MigratorCommand::Makemigrations(a.inner), Some(user)).await
        }
        DbCommand::Migrate(a) => migrator(MigratorCommand::Migrate(a), None).await,
        DbCommand::Downgrade(a) => migrator(MigratorCommand::Downgrade(a), None).await,
        DbCommand::History => migrator(MigratorCommand::History, None).await,
        DbCommand::Current => migrator(MigratorCommand::Current, None).await,
        DbCommand::Stamp(a) => migrator(MigratorCommand::Stamp(a), None).await,
        DbCommand::Sqlmigrate(a) => migrator(MigratorCommand::Sqlmigrate(a), None).await,
        DbCommand::Shell(a) => commands::shell::run(&settings, &project, printer, &a.command).await,
        DbCommand::EnvCheck => commands::env_check::run(&settings, &project, printer).await,
    }
}
