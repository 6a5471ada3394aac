//! `migrator pull [-o FILE] [--force]`: schema.sql from the live database. The database is
//! read by the autogenerate engine's introspection and written with its renderer (the diff of
//! an empty database against it: the same statements, in dependency order, that a generated
//! migration would hold), then proven: loaded into an empty shadow database it must give a
//! schema with no difference from the live one. Deterministic: the same database gives the
//! same bytes. Standalone the file is written here (whole or not at all, never over an
//! existing file without --force); in protocol mode the text goes to admin, which writes it on
//! the host.

use std::path::PathBuf;

use protocol::pair;
use protocol::results::Outcome;

use crate::commands;
use crate::commands::makemigrations::beside;
use crate::error::{MigratorError, schema_ref};
use crate::exit::ExitCode;
use crate::output::Printer;
use crate::schema::SchemaError;
use crate::schema::diff::diff;
use crate::schema::introspect::introspect;
use crate::schema::model::Schema;
use crate::schema::renames::Renames;
use crate::schema::shadow::{Shadows, close};
use crate::settings::Settings;

const HEADER: &str = "-- The database's schema, written by `pull`: every object the migrations manage, in\n-- dependency order. Loaded into an empty database it gives the same schema.\n\n";

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &protocol::cli::PullArgs,
) -> Result<ExitCode, MigratorError> {
    let target = match &settings.bundle {
        Some(_) => None,
        None => {
            let path = args
                .output
                .clone()
                .or_else(|| settings.schema_file_env.clone().map(PathBuf::from))
                .unwrap_or_else(|| beside(&settings.migrations_dir));
            if path.exists() && !args.force {
                return Err(MigratorError::PullExists {
                    file: schema_ref(&path.display().to_string()),
                });
            }
            Some(path)
        }
    };
    let (text, statements) = live_schema_sql(settings).await?;
    match target {
        Some(path) => {
            let file = schema_ref(&path.display().to_string());
            pair::write_one(&path, text.as_bytes(), args.force).map_err(|e| {
                MigratorError::WriteFile {
                    file: file.clone(),
                    source: e.source,
                }
            })?;
            printer.report(&Outcome::Pulled {
                file,
                objects: statements,
                text: None,
            })?;
        }
        None => printer.report(&Outcome::Pulled {
            file: schema_ref("schema.sql"),
            objects: statements,
            text: Some(text),
        })?,
    }
    Ok(ExitCode::Success)
}

/// The live database's schema as SQL, proven: loaded into a new database it gives a schema
/// with no difference from the live one. Returns the text and its statement count.
pub async fn live_schema_sql(settings: &Settings) -> Result<(String, usize), MigratorError> {
    let (text, _, statements) = live_schema_pair(settings, false).await?;
    Ok((text, statements))
}

/// [`live_schema_sql`], and with `down` the script that drops it all again, proven too: run
/// after the text on the new database it leaves a schema with no difference from a new one.
pub async fn live_schema_pair(
    settings: &Settings,
    down: bool,
) -> Result<(String, String, usize), MigratorError> {
    let mut db = commands::connect(settings).await?;
    let live = introspect(db.conn()).await?;
    db.close().await?;
    let url = commands::shadow_url(settings)?;
    // A new database is the starting point (it has `public` and its default privileges):
    // the file is the diff from it to the live schema, then loaded into it for the proof.
    let (text, back, statements, residual) = Shadows::scoped(
        &url,
        settings.pgpassword.as_deref(),
        async |sh: &Shadows| {
            let tmp = sh.create().await?;
            let mut conn = sh.connect(&tmp).await?;
            let blank: Schema = introspect(&mut conn).await?;
            let plan = diff(&blank, &live, &Renames::default())?;
            let statements = plan.ops.iter().filter(|o| o.up.is_some()).count();
            let text = format!("{HEADER}{}", plan.up_sql());
            sh.sql(&mut conn, &text).await?;
            let loaded = introspect(&mut conn).await?;
            let mut residual = diff(&loaded, &live, &Renames::default())?;
            let mut back = String::new();
            if down && residual.is_empty() {
                back = diff(&live, &blank, &Renames::default())?.up_sql();
                sh.sql(&mut conn, &back).await?;
                let emptied = introspect(&mut conn).await?;
                residual = diff(&emptied, &blank, &Renames::default())?;
            }
            close(conn).await?;
            Ok::<_, SchemaError>((text, back, statements, residual))
        },
    )
    .await?;
    if !residual.is_empty() {
        return Err(MigratorError::PullProof {
            residual: residual
                .ops
                .iter()
                .map(|o| format!("  {}", o.key))
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    Ok((text, back, statements))
}
