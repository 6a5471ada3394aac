//! `migrator stamp VERSION|head|base`: makes the applied set exactly "every migration up to the
//! target" without running SQL (rows are inserted with their checksums; rows above the target
//! are removed), like `alembic stamp`; `base` removes every row (and creates no table).

use std::time::Duration;

use protocol::results::Outcome;

use crate::cli::{StampArgs, StampTarget};
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::output::Printer;
use crate::settings::Settings;
use crate::{commands, db::Db, plan};

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &StampArgs,
) -> Result<ExitCode, MigratorError> {
    let local = commands::scan(settings, printer)?;
    // None: `base`, nothing applied.
    let target = match args.target {
        StampTarget::Head => Some(
            local
                .iter()
                .map(|m| m.version)
                .max()
                .ok_or(MigratorError::UnknownVersion { version: 0 })?,
        ),
        StampTarget::Base => None,
        StampTarget::Version(v) => {
            if !local.iter().any(|m| m.version == v) {
                return Err(MigratorError::UnknownVersion { version: v });
            }
            Some(v)
        }
    };
    let mut db = commands::connect(settings).await?;
    let timeout = Duration::from_secs(args.lock_timeout);
    let result = commands::locked(&mut db, timeout, async |db: &mut Db| {
        if target.is_some() {
            db.ensure_table().await?;
        }
        let (rows, rewrites) = crate::squash::resolve(&local, db.applied().await?)?;
        let entries = plan::history(&local, &rows);
        plan::check_integrity(&entries, true, &settings.dir_display())?;
        crate::squash::record(db, printer, &rewrites).await?;
        let insert: Vec<(i64, String, Vec<u8>)> = local
            .iter()
            .filter(|m| {
                target.is_some_and(|t| m.version <= t)
                    && !rows.iter().any(|r| r.version == m.version)
            })
            .map(|m| (m.version, m.description.clone(), m.checksum.clone()))
            .collect();
        let delete: Vec<i64> = rows
            .iter()
            .filter(|r| target.is_none_or(|t| r.version > t))
            .map(|r| r.version)
            .collect();
        db.stamp(&insert, &delete).await?;
        Ok(Outcome::Stamped {
            target,
            stamped: insert.iter().map(|(v, _, _)| *v).collect(),
            unstamped: delete,
        })
    })
    .await;
    db.close().await?;
    printer.report(&result?)?;
    Ok(ExitCode::Success)
}
