//! `admin db env_check`: the variables the stack needs — keys of `.env.example` plus what the
//! API service uses without a default — checked on the host (environment + .env) and, when the
//! container runs, in its environment. Only the words set / empty / missing are ever shown.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::compose::{self, Project};
use crate::databases::Database;
use crate::docker::{self, ContainerLookup};
use crate::exit::ExitCode;
use crate::output::{Format, Printer};
use crate::settings::Settings;

/// Presence of one variable in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Set,
    Empty,
    Missing,
    /// Not checked there (container not running, or the service does not pass it on).
    #[serde(rename = "-")]
    NotChecked,
}

impl Presence {
    fn of(map: &BTreeMap<String, String>, name: &str) -> Presence {
        match map.get(name) {
            Some(v) if v.is_empty() => Presence::Empty,
            Some(_) => Presence::Set,
            None => Presence::Missing,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Presence::Set => "set",
            Presence::Empty => "empty",
            Presence::Missing => "missing",
            Presence::NotChecked => "-",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub name: String,
    pub host: Presence,
    pub container: Presence,
    /// `ok`, `empty` or `missing`.
    pub status: &'static str,
    /// Where the requirement comes from: `.env.example`, `compose`, or both.
    pub source: String,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    project: &'a str,
    service: &'a str,
    container: Option<&'a str>,
    variables: &'a [Row],
    missing: Vec<&'a str>,
}

/// A row's status: `missing` or `empty` on either side fails. With `container_only`, only the
/// container side counts (the migrator reads it there; the host may not have it).
fn status(host: Presence, container: Presence, container_only: bool) -> &'static str {
    let host = if container_only {
        Presence::NotChecked
    } else {
        host
    };
    if host == Presence::Missing || container == Presence::Missing {
        "missing"
    } else if host == Presence::Empty || container == Presence::Empty {
        "empty"
    } else {
        "ok"
    }
}

/// Pure core: one row per required variable.
pub fn rows(
    from_example: &BTreeSet<String>,
    from_compose: &BTreeSet<String>,
    host: &BTreeMap<String, String>,
    container: Option<(&BTreeMap<String, String>, &BTreeSet<String>)>,
) -> Vec<Row> {
    let all: BTreeSet<&String> = from_example.iter().chain(from_compose).collect();
    all.into_iter()
        .map(|name| {
            let h = Presence::of(host, name);
            let c = match container {
                Some((env, passed)) if passed.contains(name) => Presence::of(env, name),
                _ => Presence::NotChecked,
            };
            let status = status(h, c, false);
            let source = match (from_example.contains(name), from_compose.contains(name)) {
                (true, true) => ".env.example, compose",
                (true, false) => ".env.example",
                _ => "compose",
            };
            Row {
                name: name.clone(),
                host: h,
                container: c,
                status,
                source: source.to_string(),
            }
        })
        .collect()
}

/// The migrator's variables that must reach the container here: each database's URL variable
/// (DATABASE_URL, or those `x-admin.databases` names) always; SHADOW_DATABASE_URL when a
/// database uses schema.sql (makemigrations builds its shadow databases there) and it is set
/// on the host (empty or unset, the database's own server is used).
fn must_reach(settings: &Settings, project: &Project, dbs: &[Database]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for db in dbs {
        if !out.contains(&db.url_var) {
            out.push(db.url_var.clone());
        }
    }
    let uses_schema = dbs.iter().any(|db| {
        crate::files::locate_for(settings, project, db, None)
            .schema
            .is_file()
    });
    let shadow_wanted = project
        .env
        .get("SHADOW_DATABASE_URL")
        .is_some_and(|v| !v.is_empty());
    if uses_schema && shadow_wanted {
        out.push("SHADOW_DATABASE_URL".to_string());
    }
    out
}

/// Where the container column comes from.
enum Seen {
    /// A container (running, or started by --up / created by --run): its real environment.
    Container(String, BTreeMap<String, String>),
    /// No running container: the environment a one-off container would get, computed from
    /// the Compose file (env_file, then environment).
    Computed(BTreeMap<String, String>),
    /// Docker is not reachable: the same computation, said so.
    NoDocker(BTreeMap<String, String>),
}

pub async fn run(
    settings: &Settings,
    project: &Project,
    dbs: &[Database],
    unset_required: &[compose::MissingVariable],
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let mut from_example: BTreeSet<String> = BTreeSet::new();
    let mut optional: BTreeSet<String> = BTreeSet::new();
    let examples = example_files(project);
    for example in &examples {
        from_example.extend(compose::env_file_keys(example)?);
        optional.extend(optional_keys(example)?);
    }
    if examples.is_empty() {
        printer.verbose("no .env.example found (only compose variables are checked)")?;
    }
    let seen = container_side(settings, project, printer).await?;
    let (container_name, env) = match &seen {
        Seen::Container(name, env) => (Some(name.as_str()), env),
        Seen::Computed(env) | Seen::NoDocker(env) => (None, env),
    };
    let mut required = project.required_variables.clone();
    let must = must_reach(settings, project, dbs);
    required.extend(must.iter().cloned());
    required.extend(unset_required.iter().map(|m| m.variable.clone()));
    let mut table = rows(
        &from_example,
        &required,
        &project.env,
        Some((env, &env_keys(env))),
    );
    for r in &mut table {
        if must.contains(&r.name) {
            r.container = Presence::of(env, &r.name);
            r.status = status(r.host, r.container, true);
            if r.source == "compose" {
                r.source = "migrator".to_owned();
            }
        }
        if optional.contains(&r.name) && r.status == "empty" {
            r.status = "ok";
        }
        if let Some(m) = unset_required.iter().find(|m| m.variable == r.name) {
            // A `${VAR:?}` that Compose itself would refuse: nothing can start.
            r.host = Presence::of(&project.env, &r.name);
            if env.get(&r.name).is_some_and(|v| compose::is_stand_in(v)) {
                r.container = Presence::Missing;
            }
            r.status = if r.host == Presence::Empty {
                "empty"
            } else {
                "missing"
            };
            r.source = format!(
                "compose (${{{}:?}} at {}:{}:{})",
                r.name,
                project.shown_path(&m.file),
                m.line,
                m.col
            );
        }
    }
    let failed: Vec<&str> = table
        .iter()
        .filter(|r| r.status != "ok")
        .map(|r| r.name.as_str())
        .collect();
    if settings.format == Format::Json {
        printer.json(&Report {
            project: &project.name,
            service: &project.service,
            container: container_name,
            variables: &table,
            missing: failed.clone(),
        })?;
    } else {
        print_table(printer, &table)?;
        if matches!(seen, Seen::Computed(_) | Seen::NoDocker(_)) {
            printer.status(&format!(
                "note: CONTAINER is what a container of {} gets from the Compose file (env_file, environment); none is running",
                project.service
            ))?;
        }
    }
    if failed.is_empty() {
        if settings.format == Format::Text {
            printer.status(&format!(
                "All {} required variables are set and reach the {} container.",
                table.len(),
                project.service
            ))?;
        }
        return Ok(ExitCode::Success);
    }
    let not_passed: Vec<&str> = table
        .iter()
        .filter(|r| {
            r.container == Presence::Missing && (r.host == Presence::Set || must.contains(&r.name))
        })
        .map(|r| r.name.as_str())
        .collect();
    let hint = if not_passed.is_empty() {
        format!(
            "set them in {} (see .env.example; a key whose .env.example line ends with `# optional` may stay empty), then re-run: admin db env_check",
            project.env_file_for_hints().display()
        )
    } else {
        format!(
            "pass {} into the {} service (`environment:` or `env_file:` in the Compose file), then re-run: admin db env_check",
            not_passed.join(", "),
            project.service
        )
    };
    printer.status(&format!(
        "error: not set: {}\nhint: {hint}",
        failed.join(", ")
    ))?;
    Ok(ExitCode::Failure)
}

fn env_keys(env: &BTreeMap<String, String>) -> BTreeSet<String> {
    env.keys().cloned().collect()
}

/// The container's environment: of the running container (started with --up, or a one-off
/// with --run), else computed from the Compose file.
async fn container_side(
    settings: &Settings,
    project: &Project,
    printer: &Printer,
) -> anyhow::Result<Seen> {
    if settings.up || settings.run {
        let target = crate::target::select(settings, project, printer).await?;
        let env = target.env().await?;
        return Ok(Seen::Container(target.describe(), env));
    }
    match docker::connect_to(settings.docker_host()).await {
        Ok(d) => match docker::find_container(&d, &project.name, &project.service).await? {
            ContainerLookup::Running(c) => {
                let env = docker::container_env(&d, &c.id).await?;
                Ok(Seen::Container(c.name, env))
            }
            _ => Ok(Seen::Computed(project.api_environment()?)),
        },
        Err(e) => {
            printer.status(&format!(
                "note: Docker is not reachable ({}); the container's environment is computed from the Compose file",
                e.to_string().lines().next().unwrap_or_default()
            ))?;
            Ok(Seen::NoDocker(project.api_environment()?))
        }
    }
}

/// Keys that `.env.example` marks optional: `KEY=… # optional`, or a `# optional` comment on
/// the line right above.
fn optional_keys(path: &std::path::Path) -> anyhow::Result<BTreeSet<String>> {
    let text = std::fs::read_to_string(path)?;
    let mut out = BTreeSet::new();
    let mut previous_marks = false;
    for line in text.lines() {
        let trimmed = line.trim();
        let marks = |s: &str| {
            s.split_once('#')
                .is_some_and(|(_, c)| c.trim().eq_ignore_ascii_case("optional"))
        };
        if trimmed.starts_with('#') {
            previous_marks = marks(trimmed);
            continue;
        }
        let key = trimmed
            .trim_start_matches("export ")
            .split('=')
            .next()
            .unwrap_or_default()
            .trim();
        if !key.is_empty() && (previous_marks || marks(trimmed)) {
            out.insert(key.to_owned());
        }
        previous_marks = false;
    }
    Ok(out)
}

/// `.env.example` of the project directory and beside every `.env` that was read (the repo
/// root's `.env` may name a Compose file in a subdirectory).
fn example_files(project: &Project) -> Vec<std::path::PathBuf> {
    let mut dirs = vec![project.dir.clone()];
    dirs.extend(
        project
            .env_files
            .iter()
            .filter_map(|f| f.parent().map(std::path::Path::to_path_buf)),
    );
    let mut out: Vec<std::path::PathBuf> = Vec::new();
    for d in dirs {
        let candidate = d.join(".env.example");
        if candidate.is_file() && !out.contains(&candidate) {
            out.push(candidate);
        }
    }
    out
}

fn print_table(printer: &Printer, table: &[Row]) -> std::io::Result<()> {
    let width = table.iter().map(|r| r.name.len()).max().unwrap_or(3).max(3);
    printer.data(&format!(
        "{:<width$}  {:<8}  {:<9}  {:<7}  REQUIRED BY",
        "VAR", "HOST", "CONTAINER", "STATUS"
    ))?;
    for r in table {
        printer.data(&format!(
            "{:<width$}  {:<8}  {:<9}  {:<7}  {}",
            r.name,
            r.host.word(),
            r.container.word(),
            r.status,
            r.source
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn statuses() {
        let host = env(&[("A", "x"), ("B", ""), ("D", "y")]);
        let cont = env(&[("A", "x"), ("D", "")]);
        let passed = set(&["A", "D", "E"]);
        let r = rows(
            &set(&["A", "B", "C"]),
            &set(&["A", "D", "E"]),
            &host,
            Some((&cont, &passed)),
        );
        let got: Vec<(&str, Presence, Presence, &str)> = r
            .iter()
            .map(|r| (r.name.as_str(), r.host, r.container, r.status))
            .collect();
        use Presence::*;
        assert_eq!(
            got,
            vec![
                ("A", Set, Set, "ok"),
                ("B", Empty, NotChecked, "empty"),
                ("C", Missing, NotChecked, "missing"),
                ("D", Set, Empty, "empty"),
                ("E", Missing, Missing, "missing"),
            ]
        );
        assert_eq!(r[0].source, ".env.example, compose");
    }
}
