//! Host side: the `admin` CLI. Never connects to PostgreSQL (this crate does not depend on
//! sqlx; see ARCHITECTURE.md).

pub mod cli;
pub mod commands;
pub mod compose;
pub mod databases;
pub mod docker;
pub mod error;
pub mod files;
pub mod settings;
pub mod target;

// The shared vocabulary, under the paths the modules of this crate use.
pub use protocol::{exit, output, redact};

use clap::CommandFactory;

use crate::exit::ExitCode;
use crate::output::Printer;
use cli::{Cli, DbCommand, TopCommand};
use compose::EnvMap;
use protocol::cli::Command as MigratorCommand;
use settings::Settings;

/// The exit code of admin's own errors (for [`protocol::entry::run`]).
pub fn code_of(e: &(dyn std::error::Error + 'static)) -> Option<ExitCode> {
    if let Some(e) = e.downcast_ref::<compose::ComposeError>() {
        return Some(e.exit_code());
    }
    if let Some(e) = e.downcast_ref::<docker::DockerError>() {
        return Some(e.exit_code());
    }
    if let Some(e) = e.downcast_ref::<files::FilesError>() {
        return Some(e.exit_code());
    }
    if e.downcast_ref::<databases::DatabasesError>().is_some() {
        return Some(ExitCode::Usage);
    }
    e.downcast_ref::<error::AdminError>()
        .map(error::AdminError::exit_code)
}

/// Runs one `admin` command.
pub async fn run(cli: Cli, env: EnvMap, printer: &Printer) -> anyhow::Result<ExitCode> {
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
    let settings = Settings::resolve(&cli, cwd.clone(), env);
    // env_check reports `${VAR:?}` failures as rows; every other command stops at the first.
    let (project, unset_required) = if matches!(db, DbCommand::EnvCheck) {
        compose::resolve_collecting(&settings.resolve, &cwd, &settings.os_env)?
    } else {
        (
            compose::resolve(&settings.resolve, &cwd, &settings.os_env)?,
            Vec::new(),
        )
    };
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
    if let DbCommand::EnvCheck = db {
        let dbs = databases::declared_or_default(&project.x_admin);
        return commands::env_check::run(&settings, &project, &dbs, &unset_required, printer).await;
    }
    let dbs = databases::select(
        &project.x_admin,
        settings.database.as_deref(),
        settings.all_databases,
    )?;
    let targets = target::Picked::new(&settings, &project, printer);
    if settings.all_databases {
        return commands::all::run(&settings, &project, printer, &targets, &dbs, db).await;
    }
    let one = dbs
        .first()
        .ok_or(databases::DatabasesError::AllNoneDeclared)?;
    if let Some(name) = &one.name {
        printer.verbose(&format!("database {name} ({})", one.url_var))?;
    }
    dispatch(&settings, &project, printer, one, &targets, db).await
}

/// Runs one db command on database `db` (`commands::all` calls it once per database).
pub async fn dispatch(
    settings: &Settings,
    project: &compose::Project,
    printer: &Printer,
    db: &databases::Database,
    targets: &target::Picked<'_>,
    command: DbCommand,
) -> anyhow::Result<ExitCode> {
    let migrator = |command: MigratorCommand| {
        commands::migrator::run(settings, project, printer, db, targets, command)
    };
    match command {
        DbCommand::Makemigrations(a) => migrator(MigratorCommand::Makemigrations(a)).await,
        DbCommand::Migrate(a) => migrator(MigratorCommand::Migrate(a)).await,
        DbCommand::Downgrade(a) => migrator(MigratorCommand::Downgrade(a)).await,
        DbCommand::History => migrator(MigratorCommand::History).await,
        DbCommand::Current => migrator(MigratorCommand::Current).await,
        DbCommand::Drift => migrator(MigratorCommand::Drift).await,
        DbCommand::Pull(a) => migrator(MigratorCommand::Pull(a)).await,
        DbCommand::Graph(a) => migrator(MigratorCommand::Graph(a)).await,
        // The pair is written on the host first; only then is it recorded as applied.
        DbCommand::Baseline(a) => match migrator(MigratorCommand::Baseline(a)).await? {
            ExitCode::Success => {
                let stamp = protocol::cli::StampArgs {
                    target: protocol::cli::StampTarget::Head,
                    lock_timeout: 60,
                };
                migrator(MigratorCommand::Stamp(stamp)).await
            }
            other => Ok(other),
        },
        DbCommand::Reset(mut a) => {
            if !a.yes {
                commands::reset::confirm(printer)?;
                a.yes = true;
            }
            migrator(MigratorCommand::Reset(a)).await
        }
        DbCommand::Stamp(a) => migrator(MigratorCommand::Stamp(a)).await,
        DbCommand::Sqlmigrate(a) => migrator(MigratorCommand::Sqlmigrate(a)).await,
        DbCommand::Squash(a) => migrator(MigratorCommand::Squash(a)).await,
        DbCommand::Shell(a) => commands::shell::run(settings, project, printer, &a.command).await,
        DbCommand::Dbshell(a) => {
            commands::dbshell::run(settings, project, printer, db, &a.command).await
        }
        DbCommand::EnvCheck => {
            let dbs = databases::declared_or_default(&project.x_admin);
            commands::env_check::run(settings, project, &dbs, &[], printer).await
        }
    }
}
