//! The real-world corpus: autogenerate judged on schemas and migration histories of real
//! projects nobody here wrote, as shipped in their registry packages (issue 8).
//!
//! Projects (pinned in `corpus_support/projects.rs`, with the registry's sha256): PyPI
//! `procrastinate` (schema.sql + migrations), PyPI `matrix-synapse` (full schema + ordered
//! deltas), crates `atuin-server-postgres`, `sqlxmq` (sqlx folders), `lemmy_db_schema` (diesel
//! folders + replaceable schema) and `pgmq` (one install script). They are downloaded at test
//! time with `curl`, verified, cached in `$XDG_CACHE_HOME/admin-corpus/` (default
//! `~/.cache/admin-corpus/`) and converted to our layout in memory; none of their files is in
//! the repository. The few changes made to their files are listed with reasons in
//! `projects::ADAPTATIONS`.
//!
//! Checks per project, judged by the pg_dump oracle (`pg_dump --schema-only --no-owner`,
//! privileges included, normalised): **replay** (the history applies in order on an empty
//! database); **--check** against the project's own schema where it ships one (empty plan, or
//! the difference pg_dump shows); **from empty** to the full schema; **cut k -> m** at points
//! spread over the history (current = migrations[..k], desired = the dump after
//! migrations[..m]). Each generation is the real pipeline with its round-trip proof; up must
//! reach the desired dump, generating again must find nothing, down must return to the
//! previous dump. With the real binary: **migrate, drift, pull, graph** (`drift.rs`) and
//! **squash 1..TO** of the first half of the history (`squash.rs`: a database on the old files
//! adopts it, a fresh one migrated from the squashed folder has the same dump). Outcomes:
//! `pass`, `refused` (the generator's deliberate refusal, `SchemaError::Unsupported`, or a
//! squash refusal the project's own files explain, with its reason), `fail` (anything else, a
//! proof failure of generated SQL included) and `skipped` (package not downloadable outside
//! CI).
//!
//! The test prints the table to stderr (`just corpus` shows it) and **fails when any check
//! fails**; refusals are listed, not failures. Environment:
//! - `CORPUS_REPORT_ONLY=1`: print the table, never fail (for measuring an engine change).
//! - `CORPUS_ONLY=synapse,pgmq`: only these projects.
//! - `CORPUS_OUT=DIR`: also write the table and every non-passing check's details (residual,
//!   dump difference, generated up/down) to DIR.
//! - `CORPUS_EXPORT=DIR`: also write each project's history (`DIR/<name>/migrations/`) and
//!   final state (`DIR/<name>/schema.sql`) for the benchmark (`just bench-autogen --corpus`).
//! - `CI=true`: a package that cannot be downloaded fails the test (elsewhere: skipped, noted).

#[path = "corpus_support/checks.rs"]
mod checks;
#[path = "corpus_support/drift.rs"]
mod drift;
#[path = "corpus_support/fetch.rs"]
mod fetch;
#[path = "corpus_support/projects.rs"]
mod projects;
#[path = "corpus_support/squash.rs"]
mod squash;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use checks::{Check, Outcome, Prepared};
use projects::{History, Project};

/// Checks running at once (each drives PostgreSQL; the machine has 2 cores).
const CONCURRENCY: usize = 3;
/// Bound on one check (generation, proof, oracle).
const CHECK_TIMEOUT: Duration = Duration::from_secs(240);

fn env_is(name: &str, value: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == value)
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

struct Row {
    project: String,
    check: String,
    outcome: Outcome,
    /// How long the check took (None: not run on its own).
    took: Option<Duration>,
}

fn selected() -> Vec<Project> {
    let only = std::env::var("CORPUS_ONLY").unwrap_or_default();
    let only: Vec<&str> = only.split(',').filter(|s| !s.is_empty()).collect();
    projects::all()
        .into_iter()
        .filter(|p| only.is_empty() || only.contains(&p.name))
        .collect()
}

fn title(p: &Project) -> String {
    format!("{} {}", p.name, p.artifact.version)
}

/// Downloads (or reads from the cache) and converts one project.
async fn load(p: &Project) -> Result<History, String> {
    let (artifact, load) = (p.artifact, p.load);
    match tokio::task::spawn_blocking(move || fetch::fetch(&artifact).and_then(|dir| load(&dir)))
        .await
    {
        Ok(r) => r,
        Err(e) => Err(format!("loading {}: {e}", artifact.package)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_world_histories_hold_under_the_pg_dump_oracle() {
    let start = Instant::now();
    let projects = selected();
    let mut rows: Vec<Row> = Vec::new();
    let mut ready: Vec<(&Project, History, Vec<Check>)> = Vec::new();
    for p in &projects {
        match load(p).await {
            Ok(h) => {
                let plan = checks::plan(&h, p.cuts);
                ready.push((p, h, plan));
            }
            Err(e) => rows.push(Row {
                project: title(p),
                check: "download".into(),
                outcome: if in_ci() {
                    Outcome::Fail {
                        reason: format!("CI=true but the package is unavailable: {e}"),
                        detail: e,
                    }
                } else {
                    Outcome::Skipped(format!("package unavailable: {e}"))
                },
                took: None,
            }),
        }
    }
    // Replay every history once (two at a time), keeping the dumps and copies checks need.
    let prepared: Vec<(Result<Prepared, String>, Duration)> = futures_util::stream::iter(&ready)
        .map(|(_, h, plan)| async move {
            let start = Instant::now();
            (checks::prepare(h, plan).await, start.elapsed())
        })
        .buffered(2)
        .collect()
        .await;
    // One row per check; the runnable ones are filled in below, in a fixed order.
    let mut runs: Vec<(usize, &Prepared, Check)> = Vec::new();
    for ((p, h, plan), (prep, replay_took)) in ready.iter().zip(&prepared) {
        for &check in plan {
            let mut took = None;
            let outcome = match (prep, check) {
                (Ok(_), Check::Replay) => {
                    took = Some(*replay_took);
                    Outcome::Pass(String::new())
                }
                (Ok(prep), _) => {
                    runs.push((rows.len(), prep, check));
                    Outcome::Skipped("not run".into())
                }
                (Err(e), Check::Replay) => Outcome::Fail {
                    reason: first(e),
                    detail: e.clone(),
                },
                (Err(_), _) => Outcome::Skipped("the replay failed".into()),
            };
            rows.push(Row {
                project: title(p),
                check: check.label(h),
                outcome,
                took,
            });
        }
    }
    let outcomes: Vec<(usize, (Outcome, Duration))> = futures_util::stream::iter(runs)
        .map(|(i, prep, check)| async move { (i, bounded(prep, check).await) })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    for (i, (outcome, took)) in outcomes {
        rows[i].outcome = outcome;
        rows[i].took = Some(took);
    }
    if let Ok(dir) = std::env::var("CORPUS_EXPORT") {
        for ((p, _, _), (prep, _)) in ready.iter().zip(&prepared) {
            if let Ok(prep) = prep
                && let Err(e) = prep.export(&PathBuf::from(&dir).join(p.name))
            {
                panic!("CORPUS_EXPORT: {e}");
            }
        }
    }
    for prep in prepared.into_iter().filter_map(|(p, _)| p.ok()) {
        prep.cleanup().await;
    }
    let report = render(&rows, start.elapsed());
    print_report(&report);
    write_out(&report, &rows);
    let failed = rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail { .. }))
        .count();
    if env_is("CORPUS_REPORT_ONLY", "1") {
        return;
    }
    assert!(
        failed == 0,
        "{failed} corpus check(s) failed: see the table above (CORPUS_REPORT_ONLY=1 only reports)"
    );
}

/// One check, bounded in time; with how long it took.
async fn bounded(prep: &Prepared, check: Check) -> (Outcome, Duration) {
    let start = Instant::now();
    let outcome = match tokio::time::timeout(CHECK_TIMEOUT, prep.run(check)).await {
        Ok(o) => o,
        Err(_) => Outcome::Fail {
            reason: format!("timed out after {} s", CHECK_TIMEOUT.as_secs()),
            detail: String::new(),
        },
    };
    (outcome, start.elapsed())
}

fn first(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

fn word(o: &Outcome) -> (&'static str, String) {
    match o {
        Outcome::Pass(note) => ("pass", note.clone()),
        Outcome::Refused(r) => ("refused", r.clone()),
        Outcome::Fail { reason, .. } => ("FAIL", reason.clone()),
        Outcome::Skipped(r) => ("skipped", r.clone()),
    }
}

/// The table, the counts, the adaptations and the details of every failure.
fn render(rows: &[Row], took: Duration) -> String {
    let count = |w: &str| rows.iter().filter(|r| word(&r.outcome).0 == w).count();
    let wp = rows
        .iter()
        .map(|r| r.project.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let wc = rows.iter().map(|r| r.check.len()).max().unwrap_or(5).max(5);
    let mut out = format!(
        "corpus: {} checks: {} pass, {} refused, {} fail, {} skipped ({:.0} s)\n",
        rows.len(),
        count("pass"),
        count("refused"),
        count("FAIL"),
        count("skipped"),
        took.as_secs_f64()
    );
    out.push_str(&format!(
        "{:wp$}  {:wc$}  {:7}  {:>5}  reason\n",
        "project", "check", "outcome", "s"
    ));
    for r in rows {
        let (w, reason) = word(&r.outcome);
        let reason: String = reason.chars().take(220).collect();
        let secs = r
            .took
            .map(|t| format!("{:.1}", t.as_secs_f64()))
            .unwrap_or_default();
        out.push_str(&format!(
            "{:wp$}  {:wc$}  {w:7}  {secs:>5}  {reason}\n",
            r.project, r.check
        ));
    }
    out.push_str("\nadaptations of the projects' files:\n");
    for a in projects::ADAPTATIONS {
        out.push_str(&format!("- {}: {} ({})\n", a.project, a.what, a.why));
    }
    for r in rows {
        if let Outcome::Fail { reason, detail } = &r.outcome {
            let lines: Vec<&str> = detail.lines().take(40).collect();
            out.push_str(&format!(
                "\n=== {} / {}: {reason}\n{}\n",
                r.project,
                r.check,
                lines.join("\n")
            ));
        }
    }
    out
}

#[allow(clippy::print_stderr, reason = "the corpus table is the test's report")]
fn print_report(report: &str) {
    eprintln!("{report}");
}

/// `CORPUS_OUT=DIR`: the report and every non-passing check's full details.
fn write_out(report: &str, rows: &[Row]) {
    let Some(dir) = std::env::var_os("CORPUS_OUT").map(PathBuf::from) else {
        return;
    };
    let write = |name: String, text: &str| {
        if let Err(e) =
            std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(dir.join(&name), text))
        {
            panic!("CORPUS_OUT: {}: {e}", dir.join(name).display());
        }
    };
    write("table.txt".into(), report);
    for r in rows {
        if let Outcome::Fail { reason, detail } = &r.outcome {
            let name: String = format!("{}--{}.txt", r.project, r.check)
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            write(name, &format!("{reason}\n\n{detail}\n"));
        }
    }
}
