//! The db commands that map one-to-one onto the migrator's. admin fills the migrator's own CLI
//! value, renders it to argv through the typed protocol and runs it in the API container with
//! `--protocol` (and, with the working tree's files, `--bundle`: the files go on the exec's
//! stdin). The migrator answers with one JSON message per line; admin renders every one of them
//! itself — progress, status, warnings, the outcome, an error — with host paths and `admin db …`
//! commands, and writes a generated pair on the host.

use std::path::PathBuf;
use std::sync::Arc;

use protocol::argv::{self, Event};
use protocol::cli::{Cli as MigratorCli, Command};
use protocol::diag::Diagnostic;
use protocol::message::Message;
use protocol::progress::Progress;
use protocol::results::Outcome;
use protocol::text::{Base, FileRef, Text};

use crate::compose::Project;
use crate::databases::{DEFAULT_URL_VAR, Database};
use crate::docker::{ExecMode, ExecOutcome, ExecRequest, ExecStdin, LineSink};
use crate::error::AdminError;
use crate::exit::ExitCode;
use crate::files::{self, FilesFrom, HostFiles, HostNames};
use crate::output::{Format, Printer};
use crate::settings::Settings;
use crate::target::{Picked, Target};

/// The subcommand's name as typed (`migrate`, `history`…), for hints.
fn subcommand(command: &Command) -> String {
    let cli = MigratorCli {
        database_url: None,
        database_url_env: None,
        migrations_dir: None,
        format: Format::Text,
        verbose: 0,
        bundle: false,
        protocol: false,
        command: command.clone(),
    };
    argv::to_argv(&cli)
        .into_iter()
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default()
}

/// Whether the command reads the migrations (and then gets the files), and schema.sql.
fn needs_files(command: &Command) -> (bool, bool) {
    match command {
        Command::Makemigrations(a) => (true, !a.from_database),
        Command::Current => (false, false),
        Command::Graph(a) => (!a.from_database, !a.from_database),
        _ => (true, false),
    }
}

/// Runs `command` through the migrator in the API container, on database `db`.
pub async fn run(
    settings: &Settings,
    project: &Project,
    printer: &Printer,
    db: &Database,
    targets: &Picked<'_>,
    mut command: Command,
) -> anyhow::Result<ExitCode> {
    // pull writes a host file whatever the files mode: the text comes back as data.
    let from = match &command {
        Command::Pull(_) => FilesFrom::Host,
        _ => files::mode(
            settings.files,
            settings.os_env.get("ADMIN_FILES").map(String::as_str),
            project,
        )?,
    };
    let (reads, schema) = needs_files(&command);
    let schema_arg = schema_arg(settings, &command);
    let host = (from == FilesFrom::Host && reads).then(|| {
        files::locate_for(
            settings,
            project,
            db,
            schema_arg.as_ref().map(|(p, by)| (p.as_path(), *by)),
        )
    });
    if from == FilesFrom::Image && matches!(&command, Command::Makemigrations(a) if !a.check) {
        return Err(AdminError::ImageMakemigrations.into());
    }
    if from == FilesFrom::Image && matches!(&command, Command::Squash(_)) {
        return Err(AdminError::ImageSquash.into());
    }
    // pull: refused before anything runs when it would overwrite; the path stays on the host.
    let mut replace = false;
    if let (Command::Pull(a), Some(h)) = (&mut command, &host) {
        if h.schema.exists() && !a.force {
            return Err(AdminError::PullExists {
                shown: h.schema_shown.clone(),
            }
            .into());
        }
        replace = a.force;
        a.output = None;
    }
    // graph -o: admin writes the diagram here; the migrator only returns it.
    let graph_out = match &mut command {
        Command::Graph(a) => graph_output(settings, a)?,
        _ => None,
    };
    let printer = printer.clone().with_names(Arc::new(HostNames {
        files: host.clone(),
        database: db
            .name
            .clone()
            .filter(|_| settings.database.is_some() || settings.all_databases),
    }));
    // makemigrations and squash hold the host folder from the bundle to the written pair.
    let _lock = match (&host, &command) {
        (Some(h), Command::Makemigrations(a)) if !a.check => Some(h.lock_for_writing()?),
        (Some(h), Command::Squash(_)) => Some(h.lock_for_writing()?),
        _ => None,
    };
    let stdin = match &host {
        Some(h) => bundle_stdin(&printer, h, schema, &command)?,
        None => ExecStdin::Closed,
    };
    match (&host, &mut command) {
        // a host path: it travels in the bundle
        (Some(_), Command::Makemigrations(a)) => a.schema = None,
        (Some(_), Command::Graph(a)) => a.schema = None,
        _ => {}
    }
    let target = targets.get().await?;
    if !target.takes_stdin() && matches!(stdin, ExecStdin::Bytes(_)) {
        return Err(AdminError::NoStdin {
            target: target.describe(),
            command: format!("db {}", subcommand(&command)),
        }
        .into());
    }
    let cli = MigratorCli {
        database_url: None,
        database_url_env: (db.url_var != DEFAULT_URL_VAR).then(|| db.url_var.clone()),
        // With the image's files, a named database's own folder, as a path in the image.
        migrations_dir: match (&host, &db.image_migrations) {
            (None, Some(dir)) => Some(dir.into()),
            _ => None,
        },
        format: Format::Text,
        verbose: settings.verbosity,
        bundle: host.is_some(),
        protocol: true,
        command,
    };
    let mut argv = vec![project.migrator.clone()];
    argv.extend(argv::to_argv(&cli));
    printer.verbose(&format!("run in {}: {}", target.describe(), argv.join(" ")))?;
    let mut env = Vec::new();
    if settings.os_env.contains_key("NO_COLOR") {
        env.push("NO_COLOR=1".to_string());
    }
    let request = ExecRequest {
        argv,
        env,
        user: None,
        working_dir: None,
        mode: ExecMode::Streamed { stdin },
    };
    let session = Session {
        printer: &printer,
        host: host.as_ref(),
        bar: None,
        error: None,
        failed: None,
        replace,
        graph_out,
    };
    exchange(target, project, db, request, session).await
}

/// The working tree's files as the exec's stdin (graph: schema.sql only).
fn bundle_stdin(
    printer: &Printer,
    h: &HostFiles,
    schema: bool,
    command: &Command,
) -> anyhow::Result<ExecStdin> {
    let (mut bundle, notes) = h.bundle(schema)?;
    if matches!(command, Command::Graph(_)) {
        bundle.migrations.clear(); // graph reads schema.sql only
    }
    for n in notes {
        printer.warn(&n)?;
    }
    printer.verbose(&format!(
        "sending {} file(s) from {}{}",
        bundle.migrations.len(),
        h.dir_shown,
        if schema {
            format!(" and {}", h.schema_shown)
        } else {
            String::new()
        }
    ))?;
    Ok(ExecStdin::Bytes(
        bundle.to_json().map_err(files::FilesError::Bundle)?,
    ))
}

/// A schema path given on the command line (or by SCHEMA_FILE), with what gave it; pull's -o.
fn schema_arg(settings: &Settings, command: &Command) -> Option<(PathBuf, &'static str)> {
    let given = |p: &PathBuf| {
        let by_env = settings
            .os_env
            .get("SCHEMA_FILE")
            .is_some_and(|v| std::path::Path::new(v) == p);
        (p.clone(), if by_env { "SCHEMA_FILE" } else { "--schema" })
    };
    match command {
        Command::Makemigrations(a) => a.schema.as_ref().map(given),
        Command::Graph(a) => a.schema.as_ref().map(given),
        Command::Pull(a) => a.output.clone().map(|p| (p, "-o")),
        _ => None,
    }
}

/// Runs the request and turns what came back into the exit code or admin's error.
async fn exchange(
    target: &dyn Target,
    project: &Project,
    db: &Database,
    request: ExecRequest,
    mut session: Session<'_>,
) -> anyhow::Result<ExitCode> {
    let printer = session.printer;
    let outcome = {
        let mut sink = LineSink::new(
            |line: &str| session.line(line),
            |bytes: &[u8]| printer.raw_stderr(bytes),
        );
        match target.run(request, &mut sink).await {
            Err(crate::docker::DockerError::ExecStartFailed(f)) => {
                return Err(AdminError::NoMigrator {
                    program: f.program.clone(),
                    service: project.service.clone(),
                    target: target.describe(),
                    message: f.message.clone(),
                    // 127 when it is not there (the engine says 126 for an exec of a missing
                    // absolute path), 126 when it is there but cannot run: as a shell says.
                    code: if f.message.contains("not found") || f.message.contains("no such file") {
                        127
                    } else {
                        126
                    },
                }
                .into());
            }
            other => other?,
        }
    };
    if let Some(e) = session.failed.take() {
        return Err(e.into());
    }
    match outcome {
        ExecOutcome::Exited(_) => match session.error.take() {
            Some(d) => Err(remote(printer, project, db, d).into()),
            None => Ok(outcome.exit_code()),
        },
        ExecOutcome::Interrupted => Err(AdminError::Interrupted {
            program: project.migrator.clone(),
            target: target.describe(),
            killed: target.stops_on_interrupt(),
        }
        .into()),
    }
}

/// The migrator's error as admin shows it: host paths, `admin db …` commands, and, where the
/// way out differs through admin, admin's own hint.
fn remote(printer: &Printer, project: &Project, db: &Database, mut d: Diagnostic) -> AdminError {
    let service = &project.service;
    let var = &db.url_var;
    match d.kind.as_str() {
        "no_database_url" => {
            d.hint = Some(
                Text::plain(format!(
                    "the {service} container has no {var}: set it in the service's environment (`environment:` or `env_file:`), recreate the container, then check with: "
                ))
                .cmd(&["env_check"]),
            );
        }
        "connect" => {
            d.hint = Some(
                Text::plain(format!(
                    "check that PostgreSQL is running and reachable from the {service} container, and that {var} is right (check with: "
                ))
                .cmd(&["env_check"])
                .t(")"),
            );
        }
        _ => {}
    }
    AdminError::Migrator {
        text: d.render(printer.names()),
        code: d.code,
    }
}

/// What one migrator run sent so far.
struct Session<'p> {
    printer: &'p Printer,
    host: Option<&'p HostFiles>,
    bar: Option<Progress<'p>>,
    error: Option<Diagnostic>,
    /// A failure of admin's own while handling the stream (writing the pair).
    failed: Option<files::FilesError>,
    /// `pull --force`: the schema file may be replaced.
    replace: bool,
    /// `graph -o FILE`: where admin writes the diagram.
    graph_out: Option<GraphOut>,
}

/// `graph -o FILE` on the host: the path (absolute), as shown, and whether it may be replaced.
struct GraphOut {
    path: std::path::PathBuf,
    shown: String,
    force: bool,
}

/// Takes `-o`/`--force` out of the migrator's arguments (it returns the diagram as data) and
/// refuses, before anything runs, to overwrite a file without --force.
fn graph_output(
    settings: &Settings,
    a: &mut protocol::cli::GraphArgs,
) -> Result<Option<GraphOut>, AdminError> {
    if a.from_database {
        a.schema = None; // not read: the host path need not travel
    }
    let force = std::mem::take(&mut a.force);
    let Some(o) = a.output.take() else {
        return Ok(None);
    };
    let path = if o.is_absolute() {
        o
    } else {
        settings.cwd.join(o)
    };
    let shown = files::shown(&path, &settings.cwd);
    if path.exists() && !force {
        return Err(AdminError::GraphExists { shown });
    }
    Ok(Some(GraphOut { path, shown, force }))
}

impl<'p> Session<'p> {
    /// One line of the migrator's stdout.
    fn line(&mut self, line: &str) -> std::io::Result<()> {
        let Ok(message) = serde_json::from_str::<Message>(line) else {
            // Not the protocol (an old migrator, or a stray print): show it, don't lose it.
            return self.printer.raw_stderr(format!("{line}\n").as_bytes());
        };
        match message {
            Message::Event { event } => self.event(event),
            Message::Status { text } => self.printer.note(&text),
            Message::Warning { text } => self.printer.warn_text(&text),
            Message::Error { diagnostic } => {
                self.error = Some(diagnostic);
                Ok(())
            }
            Message::Result { outcome } => self.outcome(outcome),
        }
    }

    fn outcome(&mut self, outcome: Outcome) -> std::io::Result<()> {
        if matches!(outcome, Outcome::Graph { .. })
            && let Some(out) = self.graph_out.take()
        {
            return self.write_graph(outcome, &out);
        }
        if let (
            Outcome::Pulled {
                objects,
                text: Some(text),
                ..
            },
            Some(host),
        ) = (&outcome, self.host)
        {
            return match protocol::pair::write_one(&host.schema, text.as_bytes(), self.replace) {
                Ok(()) => {
                    let name = host
                        .schema
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    self.printer.report(&Outcome::Pulled {
                        file: FileRef::new(Base::Schema, &name, host.schema_shown.clone()),
                        objects: *objects,
                        text: None,
                    })
                }
                Err(e) => {
                    self.failed = Some(files::FilesError::WriteSchema {
                        shown: host.schema_shown.clone(),
                        source: e.source,
                    });
                    Ok(())
                }
            };
        }
        if let Outcome::Squashed { .. } = outcome {
            return self.squashed(outcome);
        }
        let Outcome::Generated {
            version,
            description,
            up,
            down,
        } = outcome
        else {
            return self.printer.report(&outcome);
        };
        let Some(host) = self.host else {
            return self.printer.report(&Outcome::Generated {
                version,
                description,
                up,
                down,
            });
        };
        match host.write_pair(version, &up, &down) {
            Ok((up_shown, down_shown)) => {
                let file = |name: &str, shown: String| FileRef::new(Base::Migration, name, shown);
                self.printer.report(&Outcome::Created {
                    version,
                    description,
                    up: file(&up.name, up_shown),
                    down: file(&down.name, down_shown),
                })
            }
            Err(e) => {
                self.failed = Some(e);
                Ok(())
            }
        }
    }

    /// A squash: the pair written on the host in place of the replaced files, reported with
    /// host paths (no host folder: reported as it came).
    fn squashed(&mut self, outcome: Outcome) -> std::io::Result<()> {
        let (
            Outcome::Squashed {
                version,
                description,
                replaces,
                up,
                down,
                remove,
            },
            Some(host),
        ) = (&outcome, self.host)
        else {
            return self.printer.report(&outcome);
        };
        match host.replace_pair(*version, up, down, remove) {
            Ok((up_shown, down_shown, removed)) => {
                let file = |name: &str, shown: String| FileRef::new(Base::Migration, name, shown);
                self.printer.report(&Outcome::SquashWritten {
                    version: *version,
                    description: description.clone(),
                    replaces: replaces.clone(),
                    up: file(&up.name, up_shown),
                    down: file(&down.name, down_shown),
                    removed: remove
                        .iter()
                        .zip(removed)
                        .map(|(n, shown)| file(n, shown))
                        .collect(),
                })
            }
            Err(e) => {
                self.failed = Some(e);
                Ok(())
            }
        }
    }

    /// `graph -o FILE`: the diagram written on the host, whole or not at all.
    fn write_graph(&mut self, outcome: Outcome, out: &GraphOut) -> std::io::Result<()> {
        let Outcome::Graph {
            source,
            format,
            model,
            text,
            ..
        } = outcome
        else {
            return Ok(());
        };
        match protocol::pair::write_one(&out.path, text.as_bytes(), out.force) {
            Ok(()) => {
                let name = out
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.printer.report(&Outcome::Graph {
                    source,
                    format,
                    model,
                    text,
                    file: Some(FileRef::new(Base::Output, name, out.shown.clone())),
                })
            }
            Err(e) => {
                self.failed = Some(files::FilesError::WriteSchema {
                    shown: out.shown.clone(),
                    source: e.source,
                });
                Ok(())
            }
        }
    }

    /// Progress events: JSON lines in JSON mode, else a bar on a terminal or one line each.
    fn event(&mut self, event: Event) -> std::io::Result<()> {
        if self.printer.format() == Format::Json {
            return self.printer.event(&event);
        }
        match event {
            Event::Start { direction, total } => {
                self.bar = Some(Progress::start(self.printer, direction, total)?);
            }
            Event::Running {
                version,
                description,
                index,
            } => {
                if let Some(p) = &self.bar {
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
                if let Some(p) = &self.bar {
                    let took = std::time::Duration::from_secs_f64(duration_ms.max(0.0) / 1000.0);
                    p.finished(version, &description, took)?;
                }
            }
            Event::Failed {
                version,
                description,
                error,
            } => {
                if let Some(p) = &self.bar {
                    p.failed(version, &description, &error)?;
                }
            }
            Event::Done {
                count, duration_ms, ..
            } => {
                if let Some(p) = self.bar.take() {
                    if count == 0 {
                        self.printer.status("No migrations to apply.")?;
                    } else {
                        let took =
                            std::time::Duration::from_secs_f64(duration_ms.max(0.0) / 1000.0);
                        p.done(count, took)?;
                    }
                }
            }
        }
        Ok(())
    }
}
