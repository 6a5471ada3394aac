//! `admin db env_check`: the variables the stack needs — keys of `.env.example` plus what the
//! API service uses without a default — checked on the host (environment + .env) and, when the
//! container runs, in its environment. Only the words set / empty / missing are ever shown.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::compose::{self, Project};
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
            let status = if h == Presence::Missing || c == Presence::Missing {
                "missing"
            } else if h == Presence::Empty || c == Presence::Empty {
                "empty"
            } else {
                "ok"
            };
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

pub async fn run(
    settings: &Settings,
    project: &Project,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let mut from_example: BTreeSet<String> = BTreeSet::new();
    let examples = example_files(project);
    for example in &examples {
        from_example.extend(compose::env_file_keys(example)?);
    }
    if examples.is_empty() {
        printer.verbose("no .env.example found (only compose variables are checked)")?;
    }
    // The container is checked only when Docker answers and the container runs (with --up it
    // is started first).
    let mut container_name = None;
    let mut container_env = None;
    if settings.up {
        let target = super::target(settings, project, printer).await?;
        container_env = Some(docker::container_env(&target.docker, &target.container.id).await?);
        container_name = Some(target.container.name);
    } else {
        match docker::connect_to(settings.docker_host()).await {
            Ok(d) => match docker::find_container(&d, &project.name, &project.service).await? {
                ContainerLookup::Running(c) => {
                    container_env = Some(docker::container_env(&d, &c.id).await?);
                    container_name = Some(c.name);
                }
                _ => printer.status(&format!(
                    "note: the {} container is not running; only the host is checked (--up starts it)",
                    project.service
                ))?,
            },
            Err(e) => printer.status(&format!(
                "note: Docker is not reachable ({}); only the host is checked",
                e.to_string().lines().next().unwrap_or_default()
            ))?,
        }
    }
    // Variables the service passes into the container: its `environment:` keys (and, when
    // running, whatever the container really has, e.g. from env_file).
    let mut passed: BTreeSet<String> = project.service_config.environment.keys().cloned().collect();
    if let Some(env) = &container_env {
        passed.extend(env.keys().cloned());
    }
    let table = rows(
        &from_example,
        &project.required_variables,
        &project.env,
        container_env.as_ref().map(|e| (e, &passed)),
    );
    let missing: Vec<&str> = table
        .iter()
        .filter(|r| r.status == "missing")
        .map(|r| r.name.as_str())
        .collect();
    if settings.format == Format::Json {
        printer.json(&Report {
            project: &project.name,
            service: &project.service,
            container: container_name.as_deref(),
            variables: &table,
            missing: missing.clone(),
        })?;
    } else {
        print_table(printer, &table)?;
    }
    if missing.is_empty() {
        if settings.format == Format::Text {
            printer.status(&format!("All {} required variables are set.", table.len()))?;
        }
        return Ok(ExitCode::Success);
    }
    printer.status(&format!(
        "error: missing: {}\nhint: add them to {} (see .env.example), then re-run: admin db env_check",
        missing.join(", "),
        project.env_file_for_hints().display()
    ))?;
    Ok(ExitCode::Failure)
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
