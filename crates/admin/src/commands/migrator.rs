//! The db commands that map one-to-one onto the migrator's: builds the migrator's own CLI value,
//! renders it to argv through the typed protocol and runs it in the API container. `migrate` and
//! `downgrade` ask for JSON events and draw the progress here (bar on a TTY, lines otherwise).

use std::path::PathBuf;

use crate::compose::Project;
use crate::docker::{self, ExecMode, ExecOutcome, ExecRequest, ExecStdin, LineSink};
use crate::error::AdminError;
use crate::exit::ExitCode;
use crate::output::{Format, Printer};
use crate::settings::Settings;
use protocol::argv::{self, Event};
use protocol::cli::{Cli as MigratorCli, Command};
use protocol::progress::Progress;

/// Runs `command` through the migrator in the API container.
pub async fn run(
    settings: &Settings,
    project: &Project,
    printer: &Printer,
    command: Command,
    user: Option<String>,
) -> anyhow::Result<ExitCode> {
    let target = super::target(settings, project, printer).await?;
    let progress = settings.format == Format::Text
        && match &command {
            Command::Migrate(a) => !a.dry_run,
            Command::Downgrade(a) => !a.dry_run,
            _ => false,
        };
    let is_makemigrations = matches!(command, Command::Makemigrations(_));
    let cli = MigratorCli {
        database_url: None,
        migrations_dir: None,
        format: if progress {
            Format::Json
        } else {
            settings.format
        },
        verbose: settings.verbosity,
        command,
    };
    let mut argv = vec![project.migrator.clone()];
    argv.extend(argv::to_argv(&cli));
    printer.verbose(&format!(
        "exec in {}: {}",
        target.container.name,
        argv.join(" ")
    ))?;
    let mut env = vec!["MIGRATOR_INVOKED_AS=admin db".to_string()];
    if settings.os_env.contains_key("NO_COLOR") {
        env.push("NO_COLOR=1".to_string());
    }
    let request = ExecRequest {
        argv,
        env,
        user,
        working_dir: None,
        mode: ExecMode::Streamed {
            stdin: ExecStdin::Closed,
        },
    };
    let container = target.container.name.clone();
    let outcome = if progress {
        let mut bar: Option<Progress<'_>> = None;
        let mut sink = LineSink::new(
            |line: &str| render_event(printer, &mut bar, line),
            |bytes: &[u8]| printer.raw_stderr(bytes),
        );
        docker::exec(&target.docker, &container, request, &mut sink).await?
    } else if is_makemigrations && settings.format == Format::Text {
        let mounts = mount_map(project, settings);
        let mut sink = LineSink::new(
            |line: &str| printer.data(&host_path(&mounts, line)),
            |bytes: &[u8]| printer.raw_stderr(bytes),
        );
        docker::exec(&target.docker, &container, request, &mut sink).await?
    } else {
        let mut sink = super::Passthrough(printer);
        docker::exec(&target.docker, &container, request, &mut sink).await?
    };
    match outcome {
        ExecOutcome::Exited(_) => Ok(outcome.exit_code()),
        ExecOutcome::Interrupted => Err(AdminError::Interrupted {
            program: project.migrator.clone(),
            container,
        }
        .into()),
    }
}

/// Turns one JSON event line of the migrator into progress output; other lines pass through.
fn render_event<'p>(
    printer: &'p Printer,
    bar: &mut Option<Progress<'p>>,
    line: &str,
) -> std::io::Result<()> {
    let Ok(event) = serde_json::from_str::<Event>(line) else {
        return printer.data(line);
    };
    match event {
        Event::Start { direction, total } => {
            *bar = Some(Progress::start(printer, direction, total)?);
        }
        Event::Running {
            version,
            description,
            index,
        } => {
            if let Some(p) = bar {
                p.running(version, &description, index)?;
            }
        }
        Event::Applied {
            version,
            description,
            duration_ms,
        }
        | Event::Reverted {
            version,
            description,
            duration_ms,
        } => {
            if let Some(p) = bar {
                let took = std::time::Duration::from_secs_f64(duration_ms.max(0.0) / 1000.0);
                p.finished(version, &description, took)?;
            }
        }
        Event::Failed {
            version,
            description,
            error,
        } => {
            if let Some(p) = bar {
                p.failed(version, &description, &error)?;
            }
        }
        Event::Done {
            count, duration_ms, ..
        } => {
            if let Some(p) = bar.take() {
                if count == 0 {
                    printer.status("No migrations to apply.")?;
                } else {
                    let took = std::time::Duration::from_secs_f64(duration_ms.max(0.0) / 1000.0);
                    p.done(count, took)?;
                }
            }
        }
    }
    Ok(())
}

/// Bind mounts of the API service: container path → host path as the user sees it.
fn mount_map(project: &Project, settings: &Settings) -> Vec<(String, PathBuf)> {
    project
        .service_config
        .bind_mounts()
        .into_iter()
        .map(|m| {
            let host = m
                .host
                .strip_prefix(&settings.cwd)
                .map(PathBuf::from)
                .unwrap_or(m.host.clone());
            (m.container.trim_end_matches('/').to_string(), host)
        })
        .collect()
}

/// A path printed by the migrator inside the container, as the same file on the host.
fn host_path(mounts: &[(String, PathBuf)], line: &str) -> String {
    for (container, host) in mounts {
        if let Some(rest) = line.strip_prefix(container.as_str())
            && rest.starts_with('/')
        {
            return host
                .join(rest.trim_start_matches('/'))
                .display()
                .to_string();
        }
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_paths_become_host_paths() {
        let mounts = vec![("/app/migrations".to_string(), PathBuf::from("migrations"))];
        assert_eq!(
            host_path(&mounts, "/app/migrations/1_a.up.sql"),
            "migrations/1_a.up.sql"
        );
        assert_eq!(
            host_path(&mounts, "/app/migrationsX/1"),
            "/app/migrationsX/1"
        );
        assert_eq!(host_path(&mounts, "other"), "other");
    }
}
