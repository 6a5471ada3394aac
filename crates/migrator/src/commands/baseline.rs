//! `migrator baseline -m MSG`: adopt a database that already exists (made by hand, by Alembic,
//! by Django…): an initial migration that creates exactly its schema — the live schema rendered
//! as `pull` renders it, the down script dropping it all, both proven on a shadow database —
//! recorded as applied on this database. Only into an empty migrations folder and a database
//! with no migration applied. Standalone it writes the pair and records it here; through admin
//! (protocol mode) the pair goes back as data, admin writes it, then records it with `stamp`.

use protocol::cli::{BaselineArgs, StampArgs, StampTarget};

use crate::commands::{self, makemigrations, pull};
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::output::Printer;
use crate::settings::Settings;

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &BaselineArgs,
) -> Result<ExitCode, MigratorError> {
    let local = if settings.bundle.is_some() || settings.migrations_dir.exists() {
        commands::scan(settings, printer)?
    } else {
        Vec::new()
    };
    if !local.is_empty() {
        return Err(MigratorError::BaselineNotEmpty {
            dir: settings.dir_ref(),
            count: local.len(),
        });
    }
    let mut db = commands::connect(settings).await?;
    let rows = db.applied().await;
    db.close().await?;
    let applied = rows?.len();
    if applied > 0 {
        return Err(MigratorError::BaselineApplied { count: applied });
    }
    let (up, down, statements) = pull::live_schema_pair(settings, true).await?;
    let m = &args.message;
    let version = makemigrations::emit(settings, printer, m, |v| {
        (
            format!(
                "{}{up}",
                makemigrations::generated_header(m, v, "up", "the database (baseline)", true)
            ),
            format!(
                "{}{down}",
                makemigrations::generated_header(m, v, "down", "the database (baseline)", true)
            ),
        )
    })?;
    printer.status(&format!(
        "Baseline {version}: {statements} statement(s) that create this database's schema."
    ))?;
    if settings.bundle.is_none() {
        let stamp = StampArgs {
            target: StampTarget::Version(version),
            lock_timeout: 60,
        };
        return commands::stamp::run(settings, printer, &stamp).await;
    }
    Ok(ExitCode::Success)
}
