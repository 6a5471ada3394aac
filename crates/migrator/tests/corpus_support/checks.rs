//! The checks of one project, judged by the pg_dump oracle (`oracle::normalize` of
//! `pg_dump --schema-only --no-owner` (privileges included)): replay, `--check` against the
//! project's own schema, autogenerate from empty, and autogenerate at cut points of the
//! history, each up (must reach the desired dump), re-generated (must find nothing) and down
//! (must come back to the previous dump). Generation is the real pipeline with its proof
//! (`generate_pair(.., verify = true)`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AssertSqlSafe, Connection};

use super::projects::History;
use crate::common::pg;
use crate::schema_diff::oracle::{self, exec, generate_pair};

/// What one check found.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// With a note when something is worth saying (e.g. an expected difference).
    Pass(String),
    /// `SchemaError::Unsupported`: the reason after "cannot generate a migration for"; or a
    /// squash refusal the project's own files explain (see `squash.rs`).
    Refused(String),
    /// A one-line cause and the details (residual, dump difference, generated SQL).
    Fail { reason: String, detail: String },
    /// Not run (download unavailable outside CI, or the replay failed).
    Skipped(String),
}

impl Outcome {
    fn fail(reason: impl Into<String>, detail: impl Into<String>) -> Outcome {
        Outcome::Fail {
            reason: reason.into(),
            detail: detail.into(),
        }
    }
}

/// A check of a project's history (of `n` migrations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// All migrations apply in order on an empty database.
    Replay,
    /// migrations → the project's own schema.sql: an empty plan, or the difference pg_dump shows.
    OwnSchema,
    /// [] → the full schema (the project's schema.sql, else the dump after all migrations).
    FromEmpty,
    /// migrations[..k] → the dump after migrations[..m].
    Cut { k: usize, m: usize },
    /// `migrator migrate` of the history, then `drift` (none) and `pull` (proven).
    Drift,
    /// `migrator squash 1 TO` (TO about the middle): a database that applied the old files
    /// adopts it, a fresh one migrated from the squashed folder has the same schema.
    Squash,
}

impl Check {
    pub fn label(&self, h: &History) -> String {
        match self {
            Check::Replay => match h.migrations.len() {
                1 => "replay 1 migration".into(),
                n => format!("replay {n} migrations"),
            },
            Check::OwnSchema => format!(
                "--check {}",
                h.schema.as_ref().map(|(f, _)| f.as_str()).unwrap_or("-")
            ),
            Check::FromEmpty => "from empty".into(),
            Check::Cut { k, m } => format!("cut {k} -> {m}"),
            Check::Drift => "migrate, drift, pull, graph, baseline".into(),
            Check::Squash => match super::squash::range(h) {
                Ok(to) => format!("squash 1..{to}"),
                Err(_) => "squash".into(),
            },
        }
    }
}

/// Whether a migration changes the schema (a heuristic for choosing single steps).
fn has_ddl(sql: &str) -> bool {
    let s = sql.to_ascii_lowercase();
    ["create ", "alter ", "drop "].iter().any(|w| s.contains(w))
}

/// The checks of a history: replay, own schema (if shipped), from empty, and `cuts` cut
/// points spread evenly over the history; odd ones step to the next migration that has DDL,
/// even ones jump by a fraction of the history. Deterministic for a given history.
pub fn plan(h: &History, cuts: usize) -> Vec<Check> {
    let n = h.migrations.len();
    let mut checks = vec![Check::Replay];
    if h.schema.is_some() {
        checks.push(Check::OwnSchema);
    }
    checks.push(Check::FromEmpty);
    checks.push(Check::Drift);
    if n >= 3 {
        checks.push(Check::Squash);
    }
    if n < 2 {
        return checks;
    }
    let jump = (n / (cuts + 1)).max(2);
    let mut seen = BTreeSet::new();
    for i in 1..=cuts {
        let k = (i * n / (cuts + 1)).clamp(1, n - 1);
        let m = if i % 2 == 1 {
            (k + 1..=n)
                .find(|&j| has_ddl(&h.migrations[j - 1].sql))
                .unwrap_or(n)
        } else {
            (k + jump).min(n)
        };
        if seen.insert((k, m)) {
            checks.push(Check::Cut { k, m });
        }
    }
    checks
}

/// A project replayed once, with the dumps and database copies its checks need.
pub struct Prepared {
    pub history: History,
    /// Raw pg_dump text after `k` migrations, for every `k` a check needs.
    dumps: BTreeMap<usize, String>,
    /// A database holding the state after `k` migrations (k ≥ 1), for every cut point `k`.
    snapshots: BTreeMap<usize, String>,
    work: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn db_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("corpus_{}_{n}", std::process::id())
}

/// `CREATE DATABASE … TEMPLATE template`; returns its URL.
async fn copy_db(template: &str) -> Result<String, String> {
    let name = db_name();
    let mut admin = pg::cluster().connect("postgres").await;
    let sql = format!("CREATE DATABASE {name} TEMPLATE {template}");
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .map_err(|e| format!("CREATE DATABASE {name} TEMPLATE {template}: {e}"))?;
    Ok(pg::cluster().url(&name))
}

fn db_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// `pg_dump --schema-only --no-owner` (privileges included), as text.
pub fn raw_dump(url: &str) -> Result<String, String> {
    let bin = pg::cluster()
        .bin_dir
        .clone()
        .map(|b| b.join("pg_dump"))
        .unwrap_or_else(|| PathBuf::from("pg_dump"));
    let out = std::process::Command::new(&bin)
        .args(["--schema-only", "--no-owner", "-d", url])
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A pg_dump turned into schema.sql text (see the adaptations): psql meta-commands
/// (`\restrict`) and the `search_path` reset removed, everything else (the other SET lines
/// included) kept.
pub fn schema_from_dump(dump: &str) -> String {
    let mut out = String::with_capacity(dump.len());
    for line in dump.lines() {
        if line.starts_with('\\') || line.starts_with("SELECT pg_catalog.set_config('search_path'")
        {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Replays the whole history once into a work database, keeping the dumps and copies the
/// checks need. Err: the replay failed (the message names the migration).
pub async fn prepare(h: &History, checks: &[Check]) -> Result<Prepared, String> {
    let n = h.migrations.len();
    let mut dump_at = BTreeSet::from([n]);
    let mut snap_at = BTreeSet::new();
    for c in checks {
        match *c {
            Check::OwnSchema => {
                snap_at.insert(n);
            }
            Check::FromEmpty => {
                dump_at.insert(0);
            }
            Check::Cut { k, m } => {
                dump_at.extend([k, m]);
                snap_at.insert(k);
            }
            Check::Replay | Check::Drift | Check::Squash => {}
        }
    }
    let work = pg::cluster().create_db().await;
    let mut p = Prepared {
        history: h.clone(),
        dumps: BTreeMap::new(),
        snapshots: BTreeMap::new(),
        work,
    };
    match p.replay(&dump_at, &snap_at).await {
        Ok(()) => Ok(p),
        Err(e) => {
            p.cleanup().await;
            Err(e)
        }
    }
}

impl Prepared {
    /// Applies every migration to the work database, one at a time, dumping after the
    /// states in `dump_at` and copying the states in `snap_at`.
    async fn replay(
        &mut self,
        dump_at: &BTreeSet<usize>,
        snap_at: &BTreeSet<usize>,
    ) -> Result<(), String> {
        let work = self.work.clone();
        if dump_at.contains(&0) {
            self.dumps.insert(0, raw_dump(&work)?);
        }
        let mut conn = pg::connect(&work).await;
        for (i, m) in self.history.migrations.iter().enumerate() {
            sqlx::raw_sql(AssertSqlSafe(m.sql.clone()))
                .execute(&mut conn)
                .await
                .map_err(|e| format!("migration {} ({}) fails: {e}", i + 1, m.name))?;
            let state = i + 1;
            if dump_at.contains(&state) {
                self.dumps.insert(state, raw_dump(&work)?);
            }
            if snap_at.contains(&state) {
                conn.close()
                    .await
                    .map_err(|e| format!("closing the connection to {}: {e}", db_of(&work)))?;
                self.snapshots.insert(state, copy_db(db_of(&work)).await?);
                conn = pg::connect(&work).await;
            }
        }
        Ok(())
    }

    /// Writes the history as a migrations folder (`<n>_<name>.up.sql`, and `.down.sql` where
    /// the project ships one) and the final state as
    /// `schema.sql` under `dir` (for the benchmark: `CORPUS_EXPORT`).
    pub fn export(&self, dir: &std::path::Path) -> Result<(), String> {
        let folder = dir.join("migrations");
        std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        for (i, m) in self.history.migrations.iter().enumerate() {
            let slug: String = m
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            let path = folder.join(format!("{}_{slug}.up.sql", i + 1));
            std::fs::write(&path, &m.sql).map_err(|e| format!("{}: {e}", path.display()))?;
            if let Some(down) = &m.down {
                let path = folder.join(format!("{}_{slug}.down.sql", i + 1));
                std::fs::write(&path, down).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        let last = self.dump(self.history.migrations.len())?;
        let path = dir.join("schema.sql");
        std::fs::write(&path, schema_from_dump(last))
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Drops the work database and the copies.
    pub async fn cleanup(self) {
        for url in self.snapshots.values().chain([&self.work]) {
            oracle::drop_db(url).await;
        }
    }

    fn dump(&self, k: usize) -> Result<&String, String> {
        self.dumps
            .get(&k)
            .ok_or_else(|| format!("internal: no dump after {k} migrations"))
    }

    pub async fn run(&self, check: Check) -> Outcome {
        let result = match check {
            // Done by `prepare`.
            Check::Replay => Ok(Outcome::Pass(String::new())),
            Check::OwnSchema => self.own_schema().await,
            Check::FromEmpty => match &self.history.schema {
                Some((_, sql)) => Ok(self.roundtrip(0, sql).await),
                None => match self.dump(self.history.migrations.len()) {
                    Ok(d) => Ok(self.roundtrip(0, &schema_from_dump(d)).await),
                    Err(e) => Err(e),
                },
            },
            Check::Cut { k, m } => match self.dump(m) {
                Ok(d) => Ok(self.roundtrip(k, &schema_from_dump(d)).await),
                Err(e) => Err(e),
            },
            Check::Drift => Ok(super::drift::drift_and_pull(self).await),
            Check::Squash => Ok(super::squash::squash(self).await),
        };
        result.unwrap_or_else(|e| Outcome::fail(e.clone(), e))
    }

    fn migrations(&self, k: usize) -> Vec<&str> {
        self.history.migrations[..k]
            .iter()
            .map(|m| m.sql.as_str())
            .collect()
    }

    /// `--check`: generating from all migrations to the project's own schema must give an
    /// empty plan, unless pg_dump shows that they differ (then the plan must be right).
    async fn own_schema(&self) -> Result<Outcome, String> {
        let Some((file, schema)) = &self.history.schema else {
            return Ok(Outcome::Skipped("no schema shipped".into()));
        };
        let n = self.history.migrations.len();
        let replayed = oracle::normalize(self.dump(n)?);
        let expected = loaded_dump(schema).await?;
        if replayed != expected {
            return Ok(match self.roundtrip(n, schema).await {
                Outcome::Pass(_) => Outcome::Pass(format!(
                    "the history and {file} differ; pg_dump agrees: {} statement(s)",
                    oracle::show_diff(&replayed, &expected)
                        .matches("only in")
                        .count()
                )),
                other => other,
            });
        }
        Ok(
            match generate_pair(&self.migrations(n), schema, true).await {
                Ok((up, _)) if up.is_empty() => Outcome::Pass(String::new()),
                Ok((up, down)) => Outcome::fail(
                    format!(
                        "--check finds changes pg_dump does not show: {}",
                        first_statement(&up)
                    ),
                    format!("up:\n{up}\ndown:\n{down}"),
                ),
                Err(e) => generation_error(e),
            },
        )
    }

    /// migrations[..k] → desired: the generated up reaches desired's dump, generating again
    /// finds nothing, the down comes back to the dump after k.
    async fn roundtrip(&self, k: usize, desired: &str) -> Outcome {
        let migrations = self.migrations(k);
        let (up, down) = match generate_pair(&migrations, desired, true).await {
            Ok(pair) => pair,
            Err(e) => {
                let mut outcome = generation_error(e);
                // What the generator made without its proof, for the report.
                if let (Outcome::Fail { detail, .. }, Ok((up, down))) = (
                    &mut outcome,
                    generate_pair(&migrations, desired, false).await,
                ) {
                    detail.push_str(&format!("\n--- up (unproven)\n{up}\n--- down\n{down}"));
                }
                return outcome;
            }
        };
        let expected = match loaded_dump(desired).await {
            Ok(d) => d,
            Err(e) => return Outcome::fail(e.clone(), e),
        };
        let before = match (k, self.snapshots.get(&k)) {
            (0, _) => Ok(pg::cluster().create_db().await),
            (_, Some(url)) => copy_db(db_of(url)).await,
            (_, None) => Err(format!("internal: no copy after {k} migrations")),
        };
        let a = match before {
            Ok(a) => a,
            Err(e) => return Outcome::fail(e.clone(), e),
        };
        let outcome = self
            .apply_both_ways(&a, k, &up, &down, &expected, desired)
            .await;
        oracle::drop_db(&a).await;
        outcome
    }

    async fn apply_both_ways(
        &self,
        a: &str,
        k: usize,
        up: &str,
        down: &str,
        expected: &[String],
        desired: &str,
    ) -> Outcome {
        let pair = format!("--- up\n{up}\n--- down\n{down}");
        if let Err(e) = exec(a, up).await {
            return Outcome::fail(format!("up fails: {}", first_line(&e)), pair);
        }
        let after_up = match oracle::normalized_dump(a) {
            Ok(d) => d,
            Err(e) => return Outcome::fail(e.clone(), e),
        };
        if after_up != expected {
            let diff = oracle::show_diff(&after_up, expected);
            return Outcome::fail(
                format!(
                    "after up, pg_dump differs from desired: {}",
                    diff_summary(&after_up, expected)
                ),
                format!("{diff}\n{pair}"),
            );
        }
        let mut again = self.migrations(k);
        again.push(up);
        match generate_pair(&again, desired, false).await {
            Ok((u, _)) if u.is_empty() => {}
            Ok((u, _)) => {
                return Outcome::fail(
                    format!("not a fixpoint: generates again {}", first_statement(&u)),
                    format!("--- generated after up\n{u}\n{pair}"),
                );
            }
            Err(e) => {
                return Outcome::fail(
                    format!("re-generation after up fails: {}", first_line(&e)),
                    format!("{e}\n{pair}"),
                );
            }
        }
        if let Err(e) = exec(a, down).await {
            return Outcome::fail(format!("down fails: {}", first_line(&e)), pair);
        }
        let before = match self.dump(k) {
            Ok(d) => oracle::normalize(d),
            Err(e) => return Outcome::fail(e.clone(), e),
        };
        match oracle::normalized_dump(a) {
            Ok(d) if d == before && up.is_empty() => Outcome::Pass("nothing to generate".into()),
            Ok(d) if d == before => Outcome::Pass(String::new()),
            Ok(d) => {
                let diff = oracle::show_diff(&d, &before);
                Outcome::fail(
                    format!(
                        "after down, pg_dump differs from before: {}",
                        diff_summary(&d, &before)
                    ),
                    format!("{diff}\n{pair}"),
                )
            }
            Err(e) => Outcome::fail(e.clone(), e),
        }
    }
}

/// The normalised dump of `sql` loaded into an empty database.
async fn loaded_dump(sql: &str) -> Result<Vec<String>, String> {
    let b = pg::cluster().create_db().await;
    let dump = match exec(&b, sql).await {
        Ok(()) => oracle::normalized_dump(&b),
        Err(e) => Err(format!("the desired schema does not load: {e}")),
    };
    oracle::drop_db(&b).await;
    dump
}

/// A generation error: a deliberate refusal, or a failure (a proof failure included, its
/// one-line reason naming the stage and PostgreSQL's error).
fn generation_error(e: String) -> Outcome {
    if let Some(rest) = e.strip_prefix("cannot generate a migration for ") {
        return Outcome::Refused(first_line(rest).to_string());
    }
    let stage = e
        .strip_prefix("the generated migration failed its proof (")
        .and_then(|r| r.split_once(')'))
        .map(|(stage, _)| stage);
    let error = e.lines().find_map(|l| l.trim_start().strip_prefix("error"));
    match (stage, error) {
        (Some(stage), Some(error)) => {
            let error = error.trim_start_matches(':').trim();
            Outcome::fail(format!("proof failed ({stage}): {error}"), e.clone())
        }
        _ => Outcome::fail(format!("generation: {}", first_line(&e)), e.clone()),
    }
}

/// "N extra, M missing: <first line of the first differing statement>".
fn diff_summary(got: &[String], want: &[String]) -> String {
    let extra: Vec<&String> = got.iter().filter(|b| !want.contains(b)).collect();
    let missing: Vec<&String> = want.iter().filter(|b| !got.contains(b)).collect();
    let example = match (extra.first(), missing.first()) {
        (Some(b), _) => format!("extra {}", first_line(b)),
        (None, Some(b)) => format!("missing {}", first_line(b)),
        (None, None) => String::new(),
    };
    format!(
        "{} extra, {} missing statement(s); {example}",
        extra.len(),
        missing.len()
    )
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

/// The first SQL line of a script (lint comments skipped).
fn first_statement(sql: &str) -> &str {
    sql.lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with("--"))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::super::projects::Migration;
    use super::*;

    fn history(n: usize) -> History {
        let migrations = (0..n)
            .map(|i| Migration {
                name: format!("m{i}"),
                sql: if i % 3 == 0 {
                    "INSERT INTO t VALUES (1);".into()
                } else {
                    format!("CREATE TABLE t{i} ();")
                },
                down: None,
            })
            .collect();
        History {
            migrations,
            schema: None,
        }
    }

    #[test]
    fn cut_points_are_spread_forward_and_deterministic() {
        let h = history(40);
        let p = plan(&h, 6);
        assert_eq!(p, plan(&h, 6));
        assert_eq!(
            p[..4],
            [Check::Replay, Check::FromEmpty, Check::Drift, Check::Squash]
        );
        let cuts: Vec<(usize, usize)> = p[2..]
            .iter()
            .filter_map(|c| match *c {
                Check::Cut { k, m } => Some((k, m)),
                _ => None,
            })
            .collect();
        assert_eq!(cuts.len(), 6, "{p:?}");
        assert!(
            cuts.iter().all(|&(k, m)| 1 <= k && k < m && m <= 40),
            "{cuts:?}"
        );
        // Single steps land on the next migration with DDL.
        for &(k, m) in cuts.iter().step_by(2) {
            assert!(has_ddl(&h.migrations[m - 1].sql), "{k} -> {m}");
        }
        // A squash needs at least 3 migrations (2 replaced, one after them).
        assert_eq!(
            plan(&history(1), 6),
            [Check::Replay, Check::FromEmpty, Check::Drift]
        );
        assert!(!plan(&history(2), 6).contains(&Check::Squash));
        assert!(plan(&history(3), 6).contains(&Check::Squash));
    }

    #[test]
    fn generation_errors_are_refusals_or_failures_with_a_one_line_cause() {
        let refused = generation_error(
            "cannot generate a migration for type public.t: composite types are not supported\nnothing was written".into(),
        );
        assert!(
            matches!(&refused, Outcome::Refused(r) if r == "type public.t: composite types are not supported"),
            "{refused:?}"
        );
        let proof = generation_error(
            "the generated migration failed its proof (the up script fails on the current schema); nothing was written\nerror: type \"public.jobs\" does not exist (SQLSTATE 42704)\n--- up script\n".into(),
        );
        assert!(
            matches!(&proof, Outcome::Fail { reason, .. } if reason == "proof failed (the up script fails on the current schema): type \"public.jobs\" does not exist (SQLSTATE 42704)"),
            "{proof:?}"
        );
        let other = generation_error("after.sql is rejected by PostgreSQL: boom".into());
        assert!(
            matches!(&other, Outcome::Fail { reason, .. } if reason == "generation: after.sql is rejected by PostgreSQL: boom"),
            "{other:?}"
        );
    }

    #[tokio::test]
    async fn a_migration_that_does_not_replay_is_named() {
        let mut h = history(2);
        h.migrations[0].sql = "CREATE TABLE t0 ();".into();
        h.migrations[1].name = "0002_bad.sql".into();
        h.migrations[1].sql = "CREATE TABLE t1 (id no_such_type);".into();
        match prepare(&h, &plan(&h, 0)).await {
            Err(e) => assert!(
                e.starts_with("migration 2 (0002_bad.sql) fails:") && e.contains("no_such_type"),
                "{e}"
            ),
            Ok(p) => {
                p.cleanup().await;
                panic!("a broken history replayed");
            }
        }
    }

    #[test]
    fn a_dump_becomes_schema_sql_without_psql_meta_commands() {
        let dump = "\\restrict abc\nSET check_function_bodies = false;\nSELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE public.t (a integer);\n\\unrestrict abc\n";
        assert_eq!(
            schema_from_dump(dump),
            "SET check_function_bodies = false;\nCREATE TABLE public.t (a integer);\n"
        );
    }
}
