//! `admin db dbshell [-- PSQL ARGS]` (Django's `dbshell`): psql on the project database, run in
//! the database service's container — the service that DATABASE_URL's host names, or
//! `x-admin: {db_service: …}`. The connection comes from the API service's DATABASE_URL (its
//! running container's, else what the Compose file gives it) and reaches psql as `PG*`
//! variables of the exec, never as arguments and never printed. Interactive on a terminal,
//! piped otherwise; psql's exit status is passed through.

use crate::compose::Project;
use crate::databases::Database;
use crate::docker::{self, ContainerLookup, ExecOutcome, ExecRequest};
use crate::error::AdminError;
use crate::exit::ExitCode;
use crate::output::Printer;
use crate::settings::Settings;
use crate::target::service::ServiceTarget;
use crate::target::{Target, stack};
use std::collections::BTreeMap;

pub async fn run(
    settings: &Settings,
    project: &Project,
    printer: &Printer,
    db: &Database,
    args: &[String],
) -> anyhow::Result<ExitCode> {
    let docker = docker::connect_to(settings.docker_host()).await?;
    let api_env = match docker::find_container(&docker, &project.name, &project.service).await? {
        ContainerLookup::Running(c) => docker::container_env(&docker, &c.id).await?,
        _ => project.api_environment()?,
    };
    let url = api_env
        .get(&db.url_var)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| AdminError::DbshellNoUrl {
            service: project.service.clone(),
            var: db.url_var.clone(),
        })?;
    let conn = pg_env(url).ok_or_else(|| AdminError::DbshellBadUrl {
        service: project.service.clone(),
        var: db.url_var.clone(),
    })?;
    let db_service = db_service(project, &db.url_var, &conn.host)?;
    stack::start_services(
        &docker,
        settings,
        project,
        printer,
        std::slice::from_ref(&db_service),
    )
    .await?;
    let container = stack::wait_ready(&docker, project, printer, &db_service, true, false).await?;
    let target = ServiceTarget {
        docker: docker.clone(),
        container,
    };
    let (interactive, mode) = super::terminal_mode();
    let mut argv = vec!["psql".to_string()];
    argv.extend(args.iter().cloned());
    printer.verbose(&format!(
        "psql in {} ({}), database {} as {} (connection from the {} service's {})",
        target.describe(),
        if interactive { "tty" } else { "no tty" },
        conn.database,
        conn.user,
        project.service,
        db.url_var
    ))?;
    let request = ExecRequest {
        argv,
        env: conn.vars,
        user: None,
        working_dir: None,
        mode,
    };
    let mut sink = super::Passthrough(printer);
    match target.run(request, &mut sink).await {
        Ok(ExecOutcome::Exited(code)) => Ok(docker::exit_code_of(code)),
        Ok(ExecOutcome::Interrupted) => Err(AdminError::Interrupted {
            program: "psql".to_string(),
            target: target.describe(),
            killed: false,
        }
        .into()),
        Err(docker::DockerError::ExecStartFailed(f)) => Err(AdminError::NoPsql {
            service: db_service,
            message: f.message.clone(),
        }
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// The database service: `x-admin.db_service`, else the service DATABASE_URL's host names.
fn db_service(project: &Project, var: &str, host: &str) -> Result<String, AdminError> {
    if let Some(s) = project.x_admin.db_service.clone() {
        return if project.services.contains(&s) {
            Ok(s)
        } else {
            Err(AdminError::DbshellNoService {
                host: format!("x-admin.db_service ({s})"),
            })
        };
    }
    if project.services.iter().any(|s| s == host) {
        return Ok(host.to_owned());
    }
    // A network alias of a service names it too.
    let by_alias = project.others.iter().find(|(_, svc)| {
        svc.networks
            .as_ref()
            .is_some_and(|n| n.values().any(|aliases| aliases.iter().any(|a| a == host)))
    });
    match by_alias {
        Some((name, _)) => Ok(name.clone()),
        None => Err(AdminError::DbshellNoService {
            host: format!("{var}'s host {host}"),
        }),
    }
}

/// A DATABASE_URL as psql's environment (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
/// `PGDATABASE`, and `PGSSLMODE`… from query parameters psql knows).
struct PgEnv {
    host: String,
    user: String,
    database: String,
    /// `KEY=VALUE` for the exec (secrets: never printed).
    vars: Vec<String>,
}

fn pg_env(url: &str) -> Option<PgEnv> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return None;
    }
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let host = parsed.host_str()?.to_owned();
    let user = decode(parsed.username());
    let database = decode(parsed.path().trim_start_matches('/'));
    let mut vars: BTreeMap<&str, String> = BTreeMap::new();
    vars.insert("PGHOST", host.clone());
    if let Some(port) = parsed.port() {
        vars.insert("PGPORT", port.to_string());
    }
    if !user.is_empty() {
        vars.insert("PGUSER", user.clone());
    }
    if let Some(p) = parsed.password() {
        vars.insert("PGPASSWORD", decode(p));
    }
    if !database.is_empty() {
        vars.insert("PGDATABASE", database.clone());
    }
    for (k, v) in parsed.query_pairs() {
        let key = match k.as_ref() {
            "sslmode" => "PGSSLMODE",
            "password" => "PGPASSWORD",
            "user" => "PGUSER",
            "dbname" => "PGDATABASE",
            "port" => "PGPORT",
            "options" => "PGOPTIONS",
            "application_name" => "PGAPPNAME",
            "connect_timeout" => "PGCONNECT_TIMEOUT",
            _ => continue,
        };
        vars.insert(key, v.into_owned());
    }
    Some(PgEnv {
        host,
        user,
        database,
        vars: vars.into_iter().map(|(k, v)| format!("{k}={v}")).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_becomes_pg_variables_with_decoding() {
        let env = pg_env("postgres://app:p%40ss%2Bw@db:5433/my%20db?sslmode=disable&x=1");
        let Some(env) = env else {
            panic!("parsed");
        };
        assert_eq!(env.host, "db");
        assert_eq!(
            env.vars,
            vec![
                "PGDATABASE=my db".to_owned(),
                "PGHOST=db".to_owned(),
                "PGPASSWORD=p@ss+w".to_owned(),
                "PGPORT=5433".to_owned(),
                "PGSSLMODE=disable".to_owned(),
                "PGUSER=app".to_owned(),
            ]
        );
        assert!(pg_env("mysql://a@b/c").is_none());
        assert!(pg_env("not a url").is_none());
    }
}
