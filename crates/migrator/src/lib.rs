//! The `migrator` binary's library: applies, reverts and generates migrations against
//! PostgreSQL. Never talks to Docker (this crate does not depend on bollard).

// Errors carry their file references (path, name, position) as data for protocol mode; they
// are built once per failed command, so their size costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod commands;
pub mod db;
pub mod error;
pub mod files;
pub mod graph;
pub mod leftovers;
pub mod pair;
pub mod plan;
pub mod schema;
pub mod settings;
pub mod sqlcheck;
pub mod squash;

// The shared vocabulary, under the paths the modules of this crate use.
pub use protocol::{cli, exit, output, progress, redact};

use anyhow::Context;

use crate::exit::ExitCode;
use crate::output::Printer;
use cli::{Cli, Command};
use settings::Settings;

/// The exit code of the migrator's own errors (for [`protocol::entry::run`]).
pub fn code_of(e: &(dyn std::error::Error + 'static)) -> Option<ExitCode> {
    e.downcast_ref::<error::MigratorError>()
        .map(error::MigratorError::exit_code)
}

/// Runs one migrator command. Errors carry a [`error::MigratorError`] for the exit code.
pub async fn run(
    cli: Cli,
    env: settings::ProcessEnv,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let bundle = match cli.bundle {
        true => Some(
            protocol::bundle::Bundle::read(std::io::stdin().lock())
                .map_err(error::MigratorError::from)?,
        ),
        false => None,
    };
    let settings = Settings::resolve(&cli, &env, bundle);
    let dir = settings.dir_display();
    let code = match &cli.command {
        Command::Makemigrations(a) => commands::makemigrations::run(&settings, printer, a)
            .await
            .with_context(|| format!("makemigrations in {dir}"))?,
        Command::Migrate(a) => commands::migrate::run(&settings, printer, a).await?,
        Command::Downgrade(a) => commands::downgrade::run(&settings, printer, a).await?,
        Command::History => commands::history::run(&settings, printer).await?,
        Command::Current => commands::current::run(&settings, printer).await?,
        Command::Stamp(a) => commands::stamp::run(&settings, printer, a).await?,
        Command::Sqlmigrate(a) => commands::sqlmigrate::run(&settings, printer, a).await?,
        Command::Drift => commands::drift::run(&settings, printer).await?,
        Command::Pull(a) => commands::pull::run(&settings, printer, a).await?,
        Command::Reset(a) => commands::reset::run(&settings, printer, a).await?,
        Command::Baseline(a) => commands::baseline::run(&settings, printer, a).await?,
        Command::Squash(a) => commands::squash::run(&settings, printer, a)
            .await
            .with_context(|| format!("squash in {dir}"))?,
        Command::Graph(a) => commands::graph::run(&settings, printer, a).await?,
    };
    Ok(code)
}
