//! The concurrency suite: rounds of 20 `migrate` at once on one database (each migration
//! applied exactly once, none twice: they are not idempotent) and of 20 `makemigrations` at
//! once on one folder (versions unique, every pair whole, no temporary database left). Every
//! exit code must be one README documents. Figures go to stderr (`--nocapture`).

use std::collections::BTreeMap;
use std::time::Instant;

use super::autogen::schema;
use super::pairs::half_pairs_and_strays;
use crate::common::{Out, Project, figures, pg, scalar, wait};

/// README's exit-code table.
const DOCUMENTED: [i32; 13] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 130];
const PARALLEL: usize = 20;
const ROUNDS: usize = 3;

fn spawn_all(p: &Project, args: impl Fn(usize) -> Vec<String>) -> Vec<(u32, Out)> {
    let children: Vec<_> = (0..PARALLEL)
        .map(|i| p.migrator().args(args(i)).spawn())
        .collect();
    children
        .into_iter()
        .map(|c| {
            let pid = c.id();
            (pid, wait(c))
        })
        .collect()
}

fn tally(codes: &mut BTreeMap<i32, usize>, outs: &[(u32, Out)]) {
    for (_, o) in outs {
        *codes.entry(o.code).or_default() += 1;
    }
}

#[tokio::test]
async fn twenty_at_once_apply_once_and_write_unique_versions() {
    let started = Instant::now();
    let mut codes: BTreeMap<i32, usize> = BTreeMap::new();
    let mut problems: Vec<String> = Vec::new();
    for round in 0..ROUNDS {
        let p = Project::new().await;
        p.add(1, "runs", "CREATE TABLE runs (v int);", None);
        for v in 2..=10 {
            if v % 4 == 0 {
                // Not IF NOT EXISTS: a second application would fail.
                let sql = format!(
                    "-- no-transaction\nCREATE INDEX CONCURRENTLY runs_v{v} ON runs (v);\n"
                );
                p.add(v, &format!("idx{v}"), &sql, None);
            } else {
                let sql = format!(
                    "CREATE TABLE c{v} ();\nINSERT INTO runs VALUES ({v});\nSELECT pg_sleep(0.02);\n"
                );
                p.add(v, &format!("c{v}"), &sql, None);
            }
        }
        let outs = spawn_all(&p, |_| vec!["migrate".into()]);
        tally(&mut codes, &outs);
        for (_, o) in outs.iter().filter(|(_, o)| o.code != 0) {
            problems.push(format!(
                "migrate round {round}: exit {}: {}",
                o.code, o.stderr
            ));
        }
        if p.recorded().await != (1..=10).collect::<Vec<i64>>() {
            problems.push(format!(
                "migrate round {round}: rows {:?}",
                p.recorded().await
            ));
        }
        let mut c = p.conn().await;
        let runs: i64 = scalar(&mut c, "SELECT count(*) FROM runs").await;
        let distinct: i64 = scalar(&mut c, "SELECT count(DISTINCT v) FROM runs").await;
        let indexes: i64 = scalar(
            &mut c,
            "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'runs_v%'",
        )
        .await;
        if (runs, distinct, indexes) != (7, 7, 2) {
            problems.push(format!(
                "migrate round {round}: {runs} runs, {distinct} distinct, {indexes} indexes"
            ));
        }
        if p.advisory_locks().await != 0 {
            problems.push(format!("migrate round {round}: a lock was left"));
        }
    }
    let migrate_time = started.elapsed();
    for round in 0..ROUNDS {
        make_round(round, &mut codes, &mut problems).await;
    }
    let undocumented: Vec<i32> = codes
        .keys()
        .copied()
        .filter(|c| !DOCUMENTED.contains(c))
        .collect();
    figures(&format!(
        "concurrency suite: {ROUNDS} rounds x {PARALLEL} parallel migrate ({:.0} s), {ROUNDS} \
         rounds x {PARALLEL} parallel makemigrations ({:.0} s); exit codes {codes:?}; \
         problems {}",
        migrate_time.as_secs_f64(),
        (started.elapsed() - migrate_time).as_secs_f64(),
        problems.len()
    ));
    assert!(
        undocumented.is_empty(),
        "undocumented exit codes: {codes:?}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

async fn make_round(round: usize, codes: &mut BTreeMap<i32, usize>, problems: &mut Vec<String>) {
    let p = Project::new().await;
    let marker = format!(
        "concurrency-{}-{}-{round}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    p.add(
        1,
        "base",
        &format!("CREATE TABLE base (id int);\nCOMMENT ON TABLE base IS '{marker}';\n"),
        Some("DROP TABLE base;"),
    );
    schema(
        &p,
        &format!(
            "CREATE TABLE base (id int, note text);\nCOMMENT ON TABLE base IS '{marker}';\n\
             CREATE TABLE extra (id bigint PRIMARY KEY);\n"
        ),
    );
    let outs = spawn_all(&p, |i| {
        let mut a = vec!["makemigrations".to_string(), "-m".into(), format!("c{i}")];
        if i % 4 == 0 {
            a.push("--no-cache".into());
        }
        a
    });
    tally(codes, &outs);
    for (_, o) in outs.iter().filter(|(_, o)| o.code != 0) {
        problems.push(format!(
            "makemigrations round {round}: exit {}: {}",
            o.code, o.stderr
        ));
    }
    let mut versions: Vec<i64> = p
        .files()
        .iter()
        .filter(|n| n.ends_with(".up.sql"))
        .filter_map(|n| n.split('_').next().and_then(|v| v.parse().ok()))
        .collect();
    let written = versions.len();
    versions.sort_unstable();
    versions.dedup();
    if written != PARALLEL + 1 || versions.len() != written {
        problems.push(format!(
            "makemigrations round {round}: {written} up files, {} distinct versions",
            versions.len()
        ));
    }
    let (half, strays) = half_pairs_and_strays(&p);
    if !half.is_empty() || !strays.is_empty() {
        problems.push(format!("makemigrations round {round}: {half:?} {strays:?}"));
    }
    let mut c = pg::cluster().connect("postgres").await;
    for (pid, _) in &outs {
        let left: i64 =
            match sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE $1")
                .bind(format!("migrator\\_shadow\\_{pid}\\_%"))
                .fetch_one(&mut c)
                .await
            {
                Ok(n) => n,
                Err(e) => panic!("{e}"),
            };
        if left > 0 {
            problems.push(format!("makemigrations round {round}: {pid} left {left}"));
        }
    }
}
