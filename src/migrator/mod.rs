//! The `migrator` binary's library: applies, reverts and generates migrations against
//! PostgreSQL. Never talks to Docker.

pub mod cli;
pub mod commands;
pub mod db;
pub mod error;
pub mod files;
pub mod leftovers;
pub mod pair;
pub mod plan;
pub mod progress;
pub mod schema;
pub mod settings;
pub mod sqlcheck;

use anyhow::Context;

use crate::exit::ExitCode;
use crate::output::Printer;
use cli::{Cli, Command};
use settings::Settings;

/// Runs one migrator command. Errors carry a [`error::MigratorError`] for the exit code.
pub async fn run(cli: Cli, printer: &Printer) -> anyhow::Result<ExitCode> {
    let settings = Settings::resolve(&cli);
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
    };
    Ok(code)
}
