//! `migrator drift`: the live database against the state its applied migrations build. The
//! applied migrations (rows of `_sqlx_migrations` that succeeded, with their local files) are
//! replayed on a temporary shadow database; both schemas are read the same way (the
//! autogenerate engine's introspection, `_sqlx_migrations` left out) and diffed. Every
//! difference is listed as the operation that turns the migrations' state into the
//! database's; exit 1 when there is any, 0 when none. Nothing is written anywhere.

use protocol::results::Outcome;

use crate::commands;
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::output::Printer;
use crate::schema::SchemaError;
use crate::schema::diff::diff;
use crate::schema::introspect::introspect;
use crate::schema::renames::Renames;
use crate::schema::shadow::{Shadows, close};
use crate::settings::Settings;

pub async fn run(settings: &Settings, printer: &Printer) -> Result<ExitCode, MigratorError> {
    let local = commands::scan(settings, printer)?;
    let mut db = commands::connect(settings).await?;
    let rows = crate::squash::applied(&mut db, &local).await?;
    let mut applied = Vec::new();
    let mut modified = Vec::new();
    for row in rows.iter().filter(|r| r.success) {
        match local.iter().find(|m| m.version == row.version) {
            Some(m) => {
                if m.checksum != row.checksum {
                    modified.push(row.version);
                }
                applied.push(m.clone());
            }
            None => {
                db.close().await?;
                return Err(MigratorError::Missing {
                    version: row.version,
                    description: row.description.clone(),
                    dir: settings.dir_ref(),
                });
            }
        }
    }
    let live = introspect(db.conn()).await?;
    db.close().await?;
    let scripts = applied
        .iter()
        .map(|m| (m.up_path.as_path(), m.up_sql.as_str()));
    commands::preflight(settings, scripts, &["drift"])?;
    let url = commands::shadow_url(settings)?;
    let built = Shadows::scoped(
        &url,
        settings.pgpassword.as_deref(),
        async |sh: &Shadows| {
            let tmp = sh.create().await?;
            let mut conn = sh.connect(&tmp).await?;
            sh.replay(&mut conn, &applied).await?;
            let schema = introspect(&mut conn).await?;
            close(conn).await?;
            Ok::<_, SchemaError>(schema)
        },
    )
    .await?;
    let plan = diff(&built, &live, &Renames::default())?;
    let ops: Vec<String> = plan
        .ops
        .iter()
        .filter(|o| o.up.is_some())
        .map(|o| o.key.clone())
        .collect();
    let drifted = !ops.is_empty();
    printer.report(&Outcome::Drift {
        applied: applied.len(),
        ops,
        modified,
    })?;
    Ok(if drifted {
        ExitCode::Failure
    } else {
        ExitCode::Success
    })
}
