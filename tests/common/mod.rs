//! Shared test helpers: the throwaway PostgreSQL cluster and a fluent builder for running the
//! real binaries.

pub mod pg;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The output of one binary run.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Asserts the exit code, showing everything the process printed when it differs.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.code(0)
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Everything printed, for secret scans.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        match serde_json::from_str(&self.stdout) {
            Ok(v) => v,
            Err(e) => panic!("stdout is not JSON ({e}):\n{}", self.stdout),
        }
    }

    /// `field` of every element of the JSON array on stdout (e.g. the `state`s of history).
    #[track_caller]
    pub fn json_column(&self, field: &str) -> Vec<String> {
        match self.json().as_array() {
            Some(a) => a
                .iter()
                .map(|e| match &e[field] {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
            None => panic!("stdout is not a JSON array:\n{}", self.stdout),
        }
    }

    /// stdout parsed as JSON lines.
    #[track_caller]
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| match serde_json::from_str(l) {
                Ok(v) => v,
                Err(e) => panic!("line is not JSON ({e}): {l}"),
            })
            .collect()
    }
}

/// A command being built; `run()` executes it.
#[must_use]
pub struct Run {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

impl Run {
    pub fn bin(path: &str) -> Run {
        let mut cmd = Command::new(path);
        cmd.env_remove("DATABASE_URL")
            .env_remove("MIGRATIONS_DIR")
            .env_remove("SCHEMA_FILE")
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        Run { cmd, stdin: None }
    }

    /// Feeds these bytes on stdin (a pipe), then closes it.
    pub fn stdin_bytes(mut self, bytes: &[u8]) -> Run {
        self.stdin = Some(bytes.to_vec());
        self
    }

    pub fn arg(mut self, a: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.arg(a);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.env(k, v);
        self
    }

    pub fn env_remove(mut self, k: &str) -> Run {
        self.cmd.env_remove(k);
        self
    }

    pub fn current_dir(mut self, d: impl AsRef<Path>) -> Run {
        self.cmd.current_dir(d);
        self
    }

    /// Starts the process without waiting (stdout/stderr captured).
    pub fn spawn(mut self) -> std::process::Child {
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        match self.cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("spawn {:?}: {e}", self.cmd),
        }
    }

    /// Runs it, killing it (and failing the test) if it takes longer than `limit`.
    #[track_caller]
    pub fn run_within(self, limit: std::time::Duration) -> Out {
        let mut child = self.spawn();
        let start = std::time::Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return wait(child),
                Ok(None) if start.elapsed() < limit => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                Ok(None) => {
                    let _ = child.kill();
                    let out = wait(child);
                    panic!(
                        "still running after {limit:?} (killed)\n--- stdout\n{}\n--- stderr\n{}",
                        out.stdout, out.stderr
                    );
                }
                Err(e) => panic!("try_wait: {e}"),
            }
        }
    }

    pub fn run(mut self) -> Out {
        if let Some(bytes) = self.stdin.take() {
            use std::io::Write;
            self.cmd
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = match self.cmd.spawn() {
                Ok(c) => c,
                Err(e) => panic!("spawn {:?}: {e}", self.cmd),
            };
            if let Some(mut stdin) = child.stdin.take()
                && let Err(e) = stdin.write_all(&bytes)
            {
                panic!("write stdin: {e}");
            }
            return wait(child);
        }
        match self.cmd.output() {
            Ok(o) => Out {
                code: o.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            },
            Err(e) => panic!("run {:?}: {e}", self.cmd),
        }
    }
}

/// Collects a spawned child's output.
pub fn wait(child: std::process::Child) -> Out {
    match child.wait_with_output() {
        Ok(o) => Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        },
        Err(e) => panic!("wait: {e}"),
    }
}

/// A temp project folder with `migrations/` and its own database.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl Project {
    pub async fn new() -> Project {
        let url = pg::cluster().create_db().await;
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        if let Err(e) = std::fs::create_dir(dir.path().join("migrations")) {
            panic!("mkdir: {e}");
        }
        Project { dir, url }
    }

    pub fn migrations(&self) -> PathBuf {
        self.dir.path().join("migrations")
    }

    /// Writes `<version>_<name>.up.sql` (and `.down.sql` when given).
    pub fn add(&self, version: i64, name: &str, up: &str, down: Option<&str>) -> &Self {
        self.write(&format!("{version}_{name}.up.sql"), up);
        if let Some(d) = down {
            self.write(&format!("{version}_{name}.down.sql"), d);
        }
        self
    }

    /// File names in `migrations/`, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = match std::fs::read_dir(self.migrations()) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect(),
            Err(e) => panic!("{e}"),
        };
        v.sort();
        v
    }

    pub fn write(&self, file: &str, body: &str) {
        if let Err(e) = std::fs::write(self.migrations().join(file), body) {
            panic!("write {file}: {e}");
        }
    }

    /// The migrator with DATABASE_URL and MIGRATIONS_DIR set for this project.
    pub fn migrator(&self) -> Run {
        Run::bin(env!("CARGO_BIN_EXE_migrator"))
            .env("DATABASE_URL", &self.url)
            .env("MIGRATIONS_DIR", self.migrations())
            .current_dir(self.dir.path())
    }

    pub async fn conn(&self) -> sqlx::PgConnection {
        pg::connect(&self.url).await
    }

    /// Versions recorded in `_sqlx_migrations` (empty if the table does not exist).
    pub async fn recorded(&self) -> Vec<i64> {
        let mut c = self.conn().await;
        let exists: bool =
            scalar(&mut c, "SELECT to_regclass('_sqlx_migrations') IS NOT NULL").await;
        if !exists {
            return Vec::new();
        }
        match sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut c)
            .await
        {
            Ok(v) => v,
            Err(e) => panic!("read _sqlx_migrations: {e}"),
        }
    }

    /// Runs SQL statements on the project's database.
    pub async fn sql(&self, sql: &str) {
        let mut c = self.conn().await;
        if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
        {
            panic!("{sql}: {e}");
        }
    }

    /// Advisory locks held in the project's database.
    pub async fn advisory_locks(&self) -> i64 {
        let mut c = self.conn().await;
        scalar(
            &mut c,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .await
    }

    pub async fn table_exists(&self, name: &str) -> bool {
        let mut c = self.conn().await;
        match sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
            .bind(name)
            .fetch_one(&mut c)
            .await
        {
            Ok(v) => v,
            Err(e) => panic!("to_regclass: {e}"),
        }
    }
}

/// One scalar from a static query.
pub async fn scalar<T>(c: &mut sqlx::PgConnection, sql: &'static str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    match sqlx::query_scalar::<_, T>(sql).fetch_one(c).await {
        Ok(v) => v,
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// Prints a suite's figures on stderr (shown with `--nocapture`, and in the CI log of a
/// failing run) so they can be quoted.
#[allow(clippy::print_stderr, reason = "suite figures are meant to be read")]
pub fn figures(line: &str) {
    eprintln!("{line}");
}
