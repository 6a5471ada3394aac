//! Shared test helpers: the throwaway PostgreSQL cluster and a fluent builder for running the
//! real binaries.
#![allow(
    clippy::disallowed_methods,
    reason = "tests read their own environment"
)]

#[cfg(feature = "pg")]
pub mod pg;

use std::path::Path;
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

/// Prints a suite's figures on stderr (shown with `--nocapture`, and in the CI log of a
/// failing run) so they can be quoted.
#[allow(clippy::print_stderr, reason = "suite figures are meant to be read")]
pub fn figures(line: &str) {
    eprintln!("{line}");
}

/// A transcript of runs for a snapshot: each command, its exit code, stdout and stderr.
#[derive(Default)]
pub struct Transcript(String);

impl Transcript {
    /// Appends one run as `$ <shown>` and what it printed.
    pub fn add(&mut self, shown: &str, out: &Out) {
        use std::fmt::Write;
        let _ = write!(self.0, "$ {shown}\n[exit {}]\n", out.code);
        if !out.stdout.is_empty() {
            let _ = write!(self.0, "--- stdout\n{}", out.stdout);
            if !out.stdout.ends_with('\n') {
                self.0.push('\n');
            }
        }
        if !out.stderr.is_empty() {
            let _ = write!(self.0, "--- stderr\n{}", out.stderr);
            if !out.stderr.ends_with('\n') {
                self.0.push('\n');
            }
        }
        self.0.push('\n');
    }

    pub fn text(&self) -> &str {
        &self.0
    }
}

/// Snapshot settings that keep what changes from run to run out of snapshots: migration
/// versions (timestamps), wall-clock times, durations, and the given literal paths or names
/// (`(literal, placeholder)`, applied first, longest first).
pub fn snapshot_settings(literals: &[(&str, &str)]) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    let mut lits: Vec<&(&str, &str)> = literals.iter().filter(|(l, _)| !l.is_empty()).collect();
    lits.sort_by_key(|(l, _)| std::cmp::Reverse(l.len()));
    for (literal, placeholder) in lits {
        let escaped: String = literal
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c.to_string()
                } else {
                    format!("\\x{{{:x}}}", c as u32)
                }
            })
            .collect();
        s.add_filter(&escaped, *placeholder);
    }
    s.add_filter(r"\d{14}", "[VERSION]");
    s.add_filter(
        r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z| UTC)?",
        "[TIME]",
    );
    s.add_filter(r#""duration_ms":\d+(\.\d+)?"#, r#""duration_ms":"[MS]""#);
    s.add_filter(r"\b\d+(\.\d+)? ?(ms|s)\b", "[DURATION]");
    s
}
