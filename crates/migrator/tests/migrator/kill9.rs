//! The `kill -9` suite: the real `migrator` binary killed at seeded random points of
//! `migrate`, `downgrade` and `makemigrations` over a folder that mixes transactional and
//! no-transaction migrations. After every kill: no partial schema of a transactional
//! migration (each of its effects present exactly when its row is), rows that are a prefix of
//! the versions, no advisory lock and no shadow session left, and the next run reaching head
//! (a no-transaction leftover repaired with the command the migrator prints counts, and is
//! counted); for makemigrations, after the next run: no temporary database of the killed run
//! and no half pair. Figures go to stderr (`--nocapture`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::autogen::schema;
use super::pairs::half_pairs_and_strays;
use crate::common::{Out, Project, figures, pg, wait};

/// The seed of the kill points; every run of the suite kills at the same offsets.
const SEED: u64 = 0x5eed_0009_c0ff_ee01;

/// xorshift64*: enough randomness for kill points, reproducible from [`SEED`].
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// (version, name, up, down, no-transaction, probes of its effects).
type Spec = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
);

const MIGRATIONS: &[Spec] = &[
    (
        1,
        "k1",
        "CREATE TABLE k1 (id int PRIMARY KEY, v int);\nINSERT INTO k1 SELECT g, g % 7 FROM generate_series(1, 20000) g;\n",
        "DROP TABLE k1;\n",
        false,
        &["SELECT to_regclass('k1') IS NOT NULL"],
    ),
    (
        2,
        "k2",
        "CREATE TABLE k2 (id int);\nINSERT INTO k2 SELECT generate_series(1, 5000);\nSELECT pg_sleep(0.05);\nCREATE TABLE k2b ();\n",
        "DROP TABLE k2b;\nSELECT pg_sleep(0.03);\nDROP TABLE k2;\n",
        false,
        &[
            "SELECT to_regclass('k2') IS NOT NULL",
            "SELECT to_regclass('k2b') IS NOT NULL",
        ],
    ),
    (
        3,
        "k1_v_idx",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS k1_v_idx ON k1 (v);\n",
        "-- no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS k1_v_idx;\n",
        true,
        &["SELECT to_regclass('k1_v_idx') IS NOT NULL"],
    ),
    (
        4,
        "k4",
        "ALTER TABLE k1 ADD COLUMN w int;\nUPDATE k1 SET w = v;\nSELECT pg_sleep(0.05);\nCREATE TABLE k4 ();\n",
        "DROP TABLE k4;\nSELECT pg_sleep(0.03);\nALTER TABLE k1 DROP COLUMN w;\n",
        false,
        &[
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'k1' AND column_name = 'w')",
            "SELECT to_regclass('k4') IS NOT NULL",
        ],
    ),
    (
        5,
        "k2_id_idx",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY k2_id_idx ON k2 (id);\n",
        "-- no-transaction\nDROP INDEX CONCURRENTLY k2_id_idx;\n",
        true,
        &["SELECT to_regclass('k2_id_idx') IS NOT NULL"],
    ),
    (
        6,
        "k6",
        "CREATE TABLE k6 (id int);\nINSERT INTO k6 VALUES (1);\nSELECT pg_sleep(0.03);\nCREATE TABLE k6b ();\n",
        "DROP TABLE k6b;\nDROP TABLE k6;\n",
        false,
        &[
            "SELECT to_regclass('k6') IS NOT NULL",
            "SELECT to_regclass('k6b') IS NOT NULL",
        ],
    ),
];

fn project_files(p: &Project) {
    for (v, name, up, down, _, _) in MIGRATIONS {
        p.add(*v, name, up, Some(down));
    }
}

#[derive(Default)]
struct Tally {
    kills: BTreeMap<&'static str, usize>,
    violations: BTreeMap<&'static str, usize>,
    repairs: BTreeMap<String, usize>,
    recovered_pairs: usize,
    removed_pairs: usize,
    examples: Vec<String>,
}

impl Tally {
    fn violation(&mut self, kind: &'static str, detail: String) {
        *self.violations.entry(kind).or_default() += 1;
        if self.examples.len() < 10 {
            self.examples.push(format!("{kind}: {detail}"));
        }
    }
}

async fn bool_of(c: &mut sqlx::PgConnection, sql: &str) -> bool {
    match sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(c)
        .await
    {
        Ok(b) => b,
        Err(e) => panic!("{sql}: {e}"),
    }
}

async fn count(c: &mut sqlx::PgConnection, sql: &str, bind: &str) -> i64 {
    match sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(bind)
        .fetch_one(c)
        .await
    {
        Ok(n) => n,
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// When to kill: after a delay, or as soon as the watched thing shows (a statement running
/// in `db`, or a staging directory in the folder), or at `delay` if it never shows.
enum When<'a> {
    After(Duration),
    Statement(&'a str, Duration),
    Staging(Duration),
}

/// Spawns the migrator with `args` and kills it with SIGKILL at `when`; whether it was still
/// running then (a kill that landed), and its pid.
async fn kill_at(p: &Project, args: &[&str], when: When<'_>) -> (bool, u32) {
    let mut c = pg::cluster().connect("postgres").await;
    let db = db_name(p);
    let mut child = p.migrator().args(args).spawn();
    let pid = child.id();
    let start = Instant::now();
    loop {
        if matches!(child.try_wait(), Ok(Some(_))) {
            let _ = wait(child);
            return (false, pid);
        }
        let (seen, limit) = match &when {
            When::After(d) => (false, *d),
            When::Statement(pattern, d) => {
                let n = count(
                    &mut c,
                    &format!(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND query LIKE '{pattern}'"
                    ),
                    &db,
                )
                .await;
                (n > 0, *d)
            }
            When::Staging(d) => {
                let staged = p.files().iter().any(|f| f.starts_with(".migrator-pair-"));
                (staged, *d)
            }
        };
        if seen || start.elapsed() >= limit {
            break;
        }
        std::thread::sleep(Duration::from_micros(300));
    }
    let killed = matches!(child.try_wait(), Ok(None));
    if let Err(e) = child.kill() {
        panic!("kill -9: {e}");
    }
    let _ = wait(child);
    (killed, pid)
}

/// Waits (bounded) until the database `db` has no advisory lock and no migrator session left
/// (a killed client's backend finishes its statement first); false if something stays.
async fn settled(db: &str) -> bool {
    let mut c = pg::cluster().connect("postgres").await;
    for _ in 0..300 {
        let locks = count(
            &mut c,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = $1)",
            db,
        )
        .await;
        let sessions = count(
            &mut c,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'migrator%'",
            db,
        )
        .await;
        if locks == 0 && sessions == 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Transactional migrations: each effect present exactly when the row is; rows a prefix.
async fn check_state(p: &Project, t: &mut Tally, what: &str) {
    let rows = p.recorded().await;
    let expected: Vec<i64> = (1..=rows.len() as i64).collect();
    if rows != expected {
        t.violation("stray row", format!("{what}: rows {rows:?}"));
    }
    let mut c = p.conn().await;
    for (v, _, _, _, no_tx, probes) in MIGRATIONS {
        let recorded = rows.contains(v);
        let mut present = Vec::new();
        for probe in *probes {
            present.push(bool_of(&mut c, probe).await);
        }
        if *no_tx {
            continue;
        }
        if present.iter().any(|p| *p != recorded) {
            t.violation(
                "partial schema",
                format!("{what}: migration {v} row {recorded}, effects {present:?}"),
            );
        }
    }
}

/// The repair a hint prescribes, run as a user would; its kind, or None if not a repair.
fn repair(p: &Project, out: &Out) -> Option<String> {
    let hint = out
        .stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("hint: "))?;
    if let Some(cmd) = hint.strip_prefix("repair with: ") {
        let cmd = cmd.split(", then run:").next()?;
        let o = std::process::Command::new("sh")
            .args(["-c", cmd])
            .env("DATABASE_URL", &p.url)
            .output()
            .ok()?;
        return o.status.success().then(|| {
            let sql = cmd.split(" -c '").nth(1).unwrap_or(cmd);
            let words: Vec<&str> = sql.split_whitespace().take(3).collect();
            format!("psql {}", words.join(" "))
        });
    }
    let version = hint.split("record it: migrator stamp ").nth(1)?;
    p.migrator().args(["stamp", version.trim()]).run().ok();
    Some("migrator stamp".into())
}

/// The next run after a kill: `migrate` must reach head, through the printed repairs only.
async fn next_run_reaches_head(p: &Project, t: &mut Tally, what: &str) {
    for _ in 0..4 {
        let out = p.migrator().arg("migrate").run();
        if out.code == 0 {
            let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.0).collect();
            if p.recorded().await != all {
                t.violation("not at head", format!("{what}: {:?}", p.recorded().await));
            }
            check_state(p, t, what).await;
            let mut c = p.conn().await;
            for (v, _, _, _, _, probes) in MIGRATIONS {
                for probe in *probes {
                    if !bool_of(&mut c, probe).await {
                        t.violation("not at head", format!("{what}: {v}: {probe} is false"));
                    }
                }
            }
            return;
        }
        match repair(p, &out) {
            Some(kind) => *t.repairs.entry(kind).or_default() += 1,
            None => {
                t.violation("not at head", format!("{what}: {}", out.stderr));
                return;
            }
        }
    }
    t.violation(
        "not at head",
        format!("{what}: still failing after 4 repairs"),
    );
}

fn db_name(p: &Project) -> String {
    p.url.rsplit('/').next().unwrap_or_default().to_string()
}

/// Duration of one whole run of `args` (what the kill points are spread over).
fn timed(p: &Project, args: &[&str], ok: &[i32]) -> Duration {
    let start = Instant::now();
    let out = p.migrator().args(args).run();
    assert!(ok.contains(&out.code), "{args:?}: {}", out.all());
    start.elapsed()
}

#[tokio::test]
async fn kill_9_at_random_points_leaves_nothing_half_done() {
    let started = Instant::now();
    let mut rng = Rng(SEED);
    let mut t = Tally::default();
    let p = Project::new().await;
    project_files(&p);
    let db = db_name(&p);
    let up = timed(&p, &["migrate"], &[0]);
    let down = timed(&p, &["downgrade", "zero"], &[0]);
    timed(&p, &["migrate"], &[0]);
    let mut i = 0;
    while t.kills.values().sum::<usize>() < 70 && i < 200 {
        i += 1;
        let (op, args, span): (&'static str, Vec<String>, Duration) = if i % 2 == 0 {
            // From a random applied state: the kill lands anywhere in the rest.
            let to = rng.below(6);
            let target = if to == 0 {
                "zero".into()
            } else {
                to.to_string()
            };
            p.migrator().args(["downgrade", &target]).run().ok();
            ("migrate", vec!["migrate".into()], up)
        } else {
            let target = match rng.below(3) {
                0 => "zero".to_string(),
                1 => "-1".to_string(),
                _ => format!("-{}", 1 + rng.below(5)),
            };
            ("downgrade", vec!["downgrade".into(), target], down)
        };
        // Most runs from a random state take far less than a whole run: the points are
        // spread over the first 150 ms (start-up, connect and lock included).
        let spread = span.min(Duration::from_millis(150));
        let delay = Duration::from_micros(rng.below(spread.as_micros() as u64));
        // A third of the kills wait for a no-transaction statement to run (the windows that
        // leave something behind), a sixth for a transactional script mid-way.
        let concurrently = if op == "migrate" {
            "%CREATE INDEX CONCURRENTLY%"
        } else {
            "%DROP INDEX CONCURRENTLY%"
        };
        let when = match rng.below(6) {
            0 | 1 => When::Statement(concurrently, span),
            2 => When::Statement("%pg_sleep%", span),
            _ => When::After(delay),
        };
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (landed, _) = kill_at(&p, &argv, when).await;
        if landed {
            *t.kills.entry(op).or_default() += 1;
        }
        let what = format!("{op} #{i} ({argv:?})");
        if !settled(&db).await {
            t.violation("lock or session left", what.clone());
        }
        check_state(&p, &mut t, &what).await;
        next_run_reaches_head(&p, &mut t, &what).await;
    }
    kill_makemigrations(&mut rng, &mut t).await;
    let kills: usize = t.kills.values().sum();
    let violations: usize = t.violations.values().sum();
    figures(&format!(
        "kill -9 suite (seed {SEED:#x}): {kills} kills {:?}; violations {violations} {:?}; \
         no-transaction leftovers repaired with the printed command: {:?}; interrupted pairs \
         completed / removed by the next run: {} / {}; {:.0} s",
        t.kills,
        t.violations,
        t.repairs,
        t.recovered_pairs,
        t.removed_pairs,
        started.elapsed().as_secs_f64()
    ));
    assert!(kills >= 100, "only {kills} kills landed: {:?}", t.kills);
    assert_eq!(
        violations,
        0,
        "{:?}\n{}",
        t.violations,
        t.examples.join("\n")
    );
}

/// makemigrations killed at random points (cache on and off); the next run cleans up.
async fn kill_makemigrations(rng: &mut Rng, t: &mut Tally) {
    let q = Project::new().await;
    project_files(&q);
    let marker = format!(
        "kill9-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    schema(
        &q,
        &format!(
            "CREATE TABLE k1 (id int PRIMARY KEY, v int, w int);\nCREATE INDEX k1_v_idx ON k1 (v);\n\
             CREATE TABLE k2 (id int);\nCREATE INDEX k2_id_idx ON k2 (id);\nCREATE TABLE k2b ();\n\
             CREATE TABLE k4 ();\nCREATE TABLE k6 (id int);\nCREATE TABLE k6b ();\n\
             CREATE TABLE extra (id bigint PRIMARY KEY, note text);\nCOMMENT ON TABLE extra IS '{marker}';\n"
        ),
    );
    let db = db_name(&q);
    let make = timed(&q, &["makemigrations", "-m", "warm", "--no-cache"], &[0]);
    remove_generated(&q);
    let target = t.kills.values().sum::<usize>() + 35;
    let mut i = 0;
    while t.kills.values().sum::<usize>() < target && i < 100 {
        i += 1;
        let no_cache = rng.below(3) == 0;
        let mut args = vec!["makemigrations", "-m", "killed"];
        if no_cache {
            args.push("--no-cache");
        }
        let delay = Duration::from_micros(rng.below(make.as_micros() as u64 + 10_000));
        // A third of the kills land while the pair is being written.
        let when = if rng.below(3) == 0 {
            When::Staging(make * 2)
        } else {
            When::After(delay)
        };
        let (landed, pid) = kill_at(&q, &args, when).await;
        if landed {
            *t.kills.entry("makemigrations").or_default() += 1;
        }
        let what = format!("makemigrations #{i} (pid {pid}, {args:?})");
        if !settled(&db).await {
            t.violation("lock or session left", what.clone());
        }
        // The next run: finds the folder whole and drops the dead run's databases.
        let next = q.migrator().args(["makemigrations", "--check"]).run();
        if ![0, 1].contains(&next.code) {
            t.violation("next run failed", format!("{what}: {}", next.all()));
        }
        t.recovered_pairs += next.stderr.matches("completed the migration pair").count();
        t.removed_pairs += next
            .stderr
            .matches("was interrupted while writing it")
            .count();
        let (half, strays) = half_pairs_and_strays(&q);
        if !half.is_empty() || !strays.is_empty() {
            t.violation("half pair", format!("{what}: {half:?} {strays:?}"));
        }
        let mut c = pg::cluster().connect("postgres").await;
        let left = count(
            &mut c,
            "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
            &format!("migrator\\_shadow\\_{pid}\\_%"),
        )
        .await;
        if left > 0 {
            t.violation("stray temporary database", format!("{what}: {left}"));
        }
        remove_generated(&q);
    }
}

/// Removes the pairs makemigrations wrote (versions above the suite's own), so every round
/// starts from the same folder.
fn remove_generated(p: &Project) {
    for name in p.files() {
        let version: i64 = name
            .split('_')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if version > 6
            && let Err(e) = std::fs::remove_file(p.migrations().join(&name))
        {
            panic!("remove {name}: {e}");
        }
    }
}
