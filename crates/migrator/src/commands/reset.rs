//! `migrator reset [--yes]` (development): drop every object of the database and apply every
//! migration again. Guarded three ways: a database whose name or host says production (a
//! `prod`, `production`, `prd` or `live` word) is refused whatever the flags; without `--yes`
//! it asks on a terminal (type `yes`), and with no terminal it refuses; the migrations are
//! checked (integrity of the folder, the pre-run script check) before anything is dropped.
//! Every schema but the system ones is dropped in one transaction under the migration lock;
//! `public` is created again with its owner and privileges as they were.

use std::io::{BufRead, IsTerminal};
use std::time::Duration;

use protocol::cli::{MigrateArgs, ResetArgs};
use sqlx::{AssertSqlSafe, Row};

use crate::commands;
use crate::db::Db;
use crate::error::MigratorError;
use crate::exit::ExitCode;
use crate::output::Printer;
use crate::settings::Settings;

/// The words that mark a production database, matched against the name's and host's words.
const PRODUCTION: [&str; 4] = ["prod", "production", "prd", "live"];

/// The production word in the URL's host or database name, if any.
pub fn production_marker(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let db = parsed.path().trim_start_matches('/').to_ascii_lowercase();
    [host, db]
        .iter()
        .flat_map(|s| {
            s.split(|c: char| !c.is_ascii_alphanumeric())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .find(|w| PRODUCTION.contains(&w.as_str()))
}

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &ResetArgs,
) -> Result<ExitCode, MigratorError> {
    let url = settings.url()?;
    if let Some(word) = production_marker(url) {
        return Err(MigratorError::ResetProduction { word });
    }
    let local = commands::scan(settings, printer)?;
    let scripts = local
        .iter()
        .map(|m| (m.up_path.as_path(), m.up_sql.as_str()));
    commands::preflight(settings, scripts, &["reset"])?;
    if !args.yes {
        confirm(printer)?;
    }
    let mut db = commands::connect(settings).await?;
    let dropped = commands::locked(&mut db, Duration::from_secs(60), async |db: &mut Db| {
        drop_everything(db).await
    })
    .await;
    let name = db.database().to_owned();
    db.close().await?;
    let dropped = dropped?;
    printer.status(&format!(
        "Dropped every object of database {name} ({dropped} schema(s)); applying every migration again."
    ))?;
    let migrate = MigrateArgs {
        target: None,
        dry_run: false,
        plan: false,
        allow_out_of_order: false,
        lock_timeout: 60,
    };
    commands::migrate::run(settings, printer, &migrate).await
}

/// Asks on the terminal; refuses without one.
fn confirm(printer: &Printer) -> Result<(), MigratorError> {
    if !std::io::stdin().is_terminal() {
        return Err(MigratorError::ResetNeedsYes);
    }
    printer
        .status("reset drops every object of the database, data included. Type yes to go on:")?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(MigratorError::Output)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(MigratorError::ResetDeclined)
    }
}

/// Drops every non-system schema in one transaction and creates `public` again with its owner
/// and privileges; returns how many schemas were dropped.
async fn drop_everything(db: &mut Db) -> Result<usize, MigratorError> {
    let err = |doing: &str| {
        let doing = doing.to_owned();
        move |e: sqlx::Error| MigratorError::Database {
            doing: doing.clone(),
            message: e.to_string(),
        }
    };
    let conn = db.conn();
    sqlx::raw_sql("BEGIN")
        .execute(&mut *conn)
        .await
        .map_err(err("starting the reset"))?;
    let public = sqlx::query(
        "SELECT quote_ident(pg_get_userbyid(nspowner)),
                coalesce(array_agg(format('GRANT %s ON SCHEMA public TO %s', a.privilege_type,
                    CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END))
                    FILTER (WHERE a.grantee IS DISTINCT FROM n.nspowner), '{}')
           FROM pg_namespace n LEFT JOIN LATERAL aclexplode(n.nspacl) a ON true
          WHERE nspname = 'public' GROUP BY nspowner",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(err("reading schema public"))?;
    let schemas: Vec<String> = sqlx::query_scalar(
        "SELECT quote_ident(nspname) FROM pg_namespace
          WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(err("listing schemas"))?;
    let mut sql = String::new();
    for s in &schemas {
        sql.push_str(&format!("DROP SCHEMA {s} CASCADE;\n"));
    }
    if let Some(row) = public {
        let owner: String = row.try_get(0).map_err(err("reading schema public"))?;
        let grants: Vec<String> = row.try_get(1).map_err(err("reading schema public"))?;
        sql.push_str(&format!("CREATE SCHEMA public AUTHORIZATION {owner};\n"));
        for g in grants {
            sql.push_str(&g);
            sql.push_str(";\n");
        }
    }
    let done = sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await
        .map_err(err("dropping the schemas"));
    let end = if done.is_ok() { "COMMIT" } else { "ROLLBACK" };
    sqlx::raw_sql(end)
        .execute(&mut *conn)
        .await
        .map_err(err("ending the reset"))?;
    done?;
    Ok(schemas.len())
}

#[cfg(test)]
mod tests {
    use super::production_marker;

    #[test]
    fn production_words_in_host_or_name_are_found_as_words() {
        let m = |u: &str| production_marker(u);
        assert_eq!(
            m("postgres://u:p@db/app_production"),
            Some("production".into())
        );
        assert_eq!(
            m("postgres://u:p@prod-db.internal/app"),
            Some("prod".into())
        );
        assert_eq!(m("postgres://u@db/shop-live"), Some("live".into()));
        assert_eq!(m("postgres://u@db/app"), None);
        // Words, not substrings: "product" and "delivery" are not production.
        assert_eq!(m("postgres://u@products-db/delivery"), None);
    }
}
