//! Autogenerate cases: every folder `tests/schema_diff/<case>/` holds `before.sql` (what the
//! migrations build), `after.sql` (schema.sql) and the expected `up.sql` / `down.sql` (or an
//! `error.txt` the generation must fail with). `UPDATE_EXPECT=1` (re)writes the expectations.
//!
//! Besides comparing with the expectations, every case is checked against an independent
//! oracle: `pg_dump --schema-only` of before + up equals that of after on an empty database,
//! before + up + down equals before (dumps normalised: comments, SET lines and blank lines
//! removed, statements sorted, column order ignored); generating again after applying finds
//! nothing; generating twice gives byte-identical output.

#[path = "schema_diff_support/mutate.rs"]
mod mutate;
#[path = "schema_diff_support/oracle.rs"]
pub(crate) mod oracle;

use std::path::{Path, PathBuf};

use futures_util::StreamExt;

use crate::common::pg;
use oracle::{exec, generate_pair, normalized_dump};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema_diff")
}

fn read(p: &Path) -> Result<String, String> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn write(p: &Path, s: &str) -> Result<(), String> {
    std::fs::write(p, s).map_err(|e| format!("{}: {e}", p.display()))
}

/// Runs one case; returns every problem found.
async fn check_case(dir: PathBuf) -> Result<(), String> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let before = read(&dir.join("before.sql"))?;
    let after = read(&dir.join("after.sql"))?;
    let update = std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1");
    let error_file = dir.join("error.txt");
    let generated = generate_pair(&[before.as_str()], &after, true).await;
    if error_file.exists() {
        let want = read(&error_file)?;
        return match generated {
            Err(e) if e.contains(want.trim()) => Ok(()),
            Err(e) => Err(format!("{name}: error {e:?} lacks {:?}", want.trim())),
            Ok((up, _)) => Err(format!("{name}: expected an error, got up:\n{up}")),
        };
    }
    let (up, down) = generated.map_err(|e| format!("{name}: generation failed: {e}"))?;
    let mut problems = Vec::new();
    for (file, got) in [("up.sql", &up), ("down.sql", &down)] {
        let path = dir.join(file);
        if update {
            write(&path, got)?;
        } else {
            let want = read(&path).unwrap_or_default();
            if &want != got {
                problems.push(format!(
                    "{name}/{file} differs\n--- expected\n{want}\n--- got\n{got}"
                ));
            }
        }
    }
    // Byte-identical a second time (without the proof, which does not change the output).
    match generate_pair(&[before.as_str()], &after, false).await {
        Ok((up2, down2)) if up2 == up && down2 == down => {}
        Ok(_) => problems.push(format!("{name}: second generation differs")),
        Err(e) => problems.push(format!("{name}: second generation failed: {e}")),
    }
    // Oracle: before + up == after; before + up + down == before.
    let cluster = pg::cluster();
    let (a, b) = (cluster.create_db().await, cluster.create_db().await);
    exec(&a, &before)
        .await
        .map_err(|e| format!("{name}: before.sql: {e}"))?;
    let dump_before = normalized_dump(&a)?;
    exec(&a, &up)
        .await
        .map_err(|e| format!("{name}: up.sql: {e}"))?;
    exec(&b, &after)
        .await
        .map_err(|e| format!("{name}: after.sql: {e}"))?;
    let (dump_up, dump_after) = (normalized_dump(&a)?, normalized_dump(&b)?);
    if dump_up != dump_after {
        problems.push(format!(
            "{name}: pg_dump of before + up differs from after\n{}",
            oracle::show_diff(&dump_up, &dump_after)
        ));
    }
    // Applying again finds nothing (migrations = before, up).
    match generate_pair(&[before.as_str(), up.as_str()], &after, false).await {
        Ok((u, d)) if u.is_empty() && d.is_empty() => {}
        Ok((u, _)) => problems.push(format!("{name}: not a fixpoint, generated again:\n{u}")),
        Err(e) => problems.push(format!("{name}: re-generation failed: {e}")),
    }
    exec(&a, &down)
        .await
        .map_err(|e| format!("{name}: down.sql: {e}"))?;
    let dump_down = normalized_dump(&a)?;
    if dump_down != dump_before {
        problems.push(format!(
            "{name}: pg_dump of before + up + down differs from before\n{}",
            oracle::show_diff(&dump_down, &dump_before)
        ));
    }
    for db in [&a, &b] {
        oracle::drop_db(db).await;
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n\n"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_matches_its_expectation_and_the_pg_dump_oracle() {
    let mut dirs: Vec<PathBuf> = match std::fs::read_dir(cases_dir()) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => panic!("{}: {e}", cases_dir().display()),
    };
    dirs.sort();
    if let Ok(only) = std::env::var("SCHEMA_CASE") {
        let only: Vec<&str> = only.split(',').collect();
        dirs.retain(|d| only.iter().any(|o| d.ends_with(o)));
    }
    assert!(
        dirs.len() >= 60 || std::env::var("SCHEMA_CASE").is_ok(),
        "only {} cases",
        dirs.len()
    );
    let results: Vec<Result<(), String>> = futures_util::stream::iter(dirs.clone())
        .map(check_case)
        .buffer_unordered(4)
        .collect()
        .await;
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n\n========\n\n")
    );
}

/// The oracle is not vacuous: a migration that misses a change is caught, and only column
/// order is forgiven.
#[tokio::test]
async fn the_oracle_catches_a_wrong_migration() {
    let cluster = pg::cluster();
    let (a, b, c) = (
        cluster.create_db().await,
        cluster.create_db().await,
        cluster.create_db().await,
    );
    let run = |url: String, sql: &'static str| async move {
        if let Err(e) = exec(&url, sql).await {
            panic!("{sql}: {e}");
        }
    };
    run(a.clone(), "CREATE TABLE t (a integer, b text);").await;
    run(b.clone(), "CREATE TABLE t (a integer, b varchar(3));").await;
    run(c.clone(), "CREATE TABLE t (b text, a integer);").await;
    let (da, db, dc) = (
        normalized_dump(&a),
        normalized_dump(&b),
        normalized_dump(&c),
    );
    assert!(da.is_ok() && db.is_ok() && dc.is_ok());
    assert_ne!(da, db, "a type difference must show");
    assert_eq!(da, dc, "column order is not compared");
    for db in [&a, &b, &c] {
        oracle::drop_db(db).await;
    }
}
