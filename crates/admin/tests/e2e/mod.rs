//! End to end: the real `admin` binary, a real Docker engine, the reference images built by
//! docker/build.sh (with the test build of `migrator` inside), real Compose projects in temp
//! dirs. Under CI=true a missing engine fails; elsewhere these tests skip with a note.

mod databases;
mod dbshell;
mod files;
mod flows;
mod interactive;
mod layouts;
mod swarm;
mod targets;
mod vocabulary;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::Run;

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

pub struct Images {
    pub db: String,
    pub api: String,
}

static IMAGES: OnceLock<Option<Images>> = OnceLock::new();

/// The reference images (built once per test process), or None (skip) without an engine
/// outside CI.
#[allow(clippy::print_stderr, reason = "a skipped test says why")]
pub fn images() -> Option<&'static Images> {
    IMAGES
        .get_or_init(|| {
            let ok = Command::new("docker")
                .args(["info", "--format", "{{.ServerVersion}}"])
                .output()
                .is_ok_and(|o| o.status.success());
            if !ok {
                if in_ci() {
                    panic!("CI=true but the Docker engine is unreachable (docker info failed)");
                }
                eprintln!("note: skipping end-to-end test: no Docker engine");
                return None;
            }
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docker/build.sh");
            let out = Command::new("bash")
                .arg(script)
                .env("MIGRATOR_BIN", crate::migrator_bin())
                .env("ADMIN_IMAGE_ALIAS", "e2e")
                .output();
            let out = match out {
                Ok(o) => o,
                Err(e) => panic!("cannot run {script}: {e}"),
            };
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                out.status.success(),
                "docker/build.sh failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let get = |key: &str| {
                stdout
                    .lines()
                    .find_map(|l| l.strip_prefix(key))
                    .map(str::to_string)
                    .unwrap_or_else(|| panic!("build.sh printed no {key}: {stdout}"))
            };
            Some(Images {
                db: get("DB_IMAGE="),
                api: get("API_IMAGE="),
            })
        })
        .as_ref()
}

static N: AtomicUsize = AtomicUsize::new(0);

/// A Compose project in a temp dir; `docker-compose down -v` when dropped.
pub struct Stack {
    pub dir: tempfile::TempDir,
    pub name: String,
    /// The compose files, relative to `dir` (for teardown).
    pub files: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// The Compose CLI the test itself uses: `docker compose` (v2) or `docker-compose` (v1).
    pub compose_v2: bool,
    /// Held for the stack's life: shared by ordinary stacks, exclusive for a test that changes
    /// the engine itself (Swarm mode), so none of them runs while the engine changes.
    _engine: EngineGuard,
}

/// Tests that change engine-wide state (joining and leaving a swarm) run alone.
static ENGINE: std::sync::RwLock<()> = std::sync::RwLock::new(());

pub enum EngineGuard {
    Shared(#[allow(dead_code, reason = "held, not read")] std::sync::RwLockReadGuard<'static, ()>),
    Exclusive(
        #[allow(dead_code, reason = "held, not read")] std::sync::RwLockWriteGuard<'static, ()>,
    ),
}

pub const CANARY: &str = "Canary-s3cret-9f2k";

impl Stack {
    /// An empty project dir with a unique project name and a `migrations/` folder.
    pub fn new(images: &Images, tag: &str) -> Stack {
        let guard = EngineGuard::Shared(ENGINE.read().unwrap_or_else(|e| e.into_inner()));
        Stack::with_guard(images, tag, guard)
    }

    /// A stack for a test that changes the engine itself: no other stack exists meanwhile.
    pub fn exclusive(images: &Images, tag: &str) -> Stack {
        let guard = EngineGuard::Exclusive(ENGINE.write().unwrap_or_else(|e| e.into_inner()));
        Stack::with_guard(images, tag, guard)
    }

    fn with_guard(images: &Images, tag: &str, guard: EngineGuard) -> Stack {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let name = format!(
            "adm{}{}{}",
            tag,
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut env = BTreeMap::new();
        env.insert("DB_IMAGE".to_string(), images.db.clone());
        env.insert("API_IMAGE".to_string(), images.api.clone());
        env.insert("POSTGRES_USER".to_string(), "app".to_string());
        env.insert("POSTGRES_PASSWORD".to_string(), CANARY.to_string());
        env.insert("POSTGRES_DB".to_string(), "app".to_string());
        env.insert(
            "DATABASE_URL".to_string(),
            format!("postgres://app:{CANARY}@db:5432/app"),
        );
        env.insert(
            "SHADOW_DATABASE_URL".to_string(),
            format!("postgres://app:{CANARY}@shadow:5432/postgres"),
        );
        let stack = Stack {
            dir,
            name,
            files: Vec::new(),
            env,
            compose_v2: false,
            _engine: guard,
        };
        stack.mkdir("migrations");
        stack
    }

    /// The reference layout: compose/docker-compose.yml copied verbatim from the repo, and a
    /// root `.env` naming it in COMPOSE_FILE (as .env.example does).
    pub fn reference(images: &Images, tag: &str) -> Stack {
        let mut s = Stack::new(images, tag);
        let compose = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../compose/docker-compose.yml"
        ))
        .unwrap_or_default();
        s.mkdir("compose");
        s.write("compose/docker-compose.yml", &compose);
        s.files.push("compose/docker-compose.yml".into());
        s.env
            .insert("COMPOSE_FILE".into(), "compose/docker-compose.yml".into());
        s.env.insert("COMPOSE_PROJECT_NAME".into(), s.name.clone());
        s.write_env();
        let example =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.env.example"))
                .unwrap_or_default();
        s.write(".env.example", &example);
        let schema =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema.sql"))
                .unwrap_or_default();
        s.write("schema.sql", &schema);
        s
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn mkdir(&self, rel: &str) {
        if let Err(e) = std::fs::create_dir_all(self.path(rel)) {
            panic!("mkdir {rel}: {e}");
        }
    }

    pub fn write(&self, rel: &str, body: &str) {
        if let Err(e) = std::fs::write(self.path(rel), body) {
            panic!("write {rel}: {e}");
        }
    }

    /// Writes `.env` from `self.env`.
    pub fn write_env(&self) {
        let body: String = self.env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        self.write(".env", &body);
    }

    /// `admin` run from the project dir, with a clean environment for Compose variables.
    pub fn admin(&self) -> Run {
        self.admin_in(self.dir.path())
    }

    pub fn admin_in(&self, cwd: &Path) -> Run {
        Run::bin(env!("CARGO_BIN_EXE_admin"))
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("ADMIN_SERVICE")
            .env_remove("ADMIN_MIGRATOR")
            .env_remove("POSTGRES_PASSWORD")
            .current_dir(cwd)
    }

    /// `docker-compose -f … -p NAME` in the project dir, with the project's variables.
    pub fn compose(&self) -> Command {
        let mut cmd = if self.compose_v2 {
            let mut c = Command::new("docker");
            c.arg("compose");
            c
        } else {
            Command::new("docker-compose")
        };
        for f in &self.files {
            cmd.arg("-f").arg(f);
        }
        cmd.args(["-p", &self.name])
            .envs(&self.env)
            .current_dir(self.dir.path());
        cmd
    }

    /// One query through `psql` in the running container of `service`; the rows, `|`-separated.
    pub fn psql(&self, service: &str, db: &str, sql: &str) -> String {
        let user = self.env.get("POSTGRES_USER").cloned().unwrap_or_default();
        let out = self
            .compose()
            .args([
                "exec", "-T", service, "psql", "-X", "-At", "-U", &user, "-d", db,
            ])
            .args(["-c", sql])
            .output();
        match out {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
            Ok(o) => panic!("psql in {service}: {}", String::from_utf8_lossy(&o.stderr)),
            Err(e) => panic!("docker-compose exec {service}: {e}"),
        }
    }

    /// The project's containers: `(service, id, oneoff, state)`, sorted.
    pub fn containers(&self) -> Vec<(String, String, bool, String)> {
        let out = Command::new("docker")
            .args(["ps", "-a", "--no-trunc", "--filter"])
            .arg(format!("label=com.docker.compose.project={}", self.name))
            .args([
                "--format",
                "{{.Label \"com.docker.compose.service\"}} {{.ID}} {{.Label \"com.docker.compose.oneoff\"}} {{.State}}",
            ])
            .output();
        let text = match out {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
            other => panic!("docker ps: {other:?}"),
        };
        let mut rows: Vec<(String, String, bool, String)> = text
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() == 4).then(|| {
                    (
                        f[0].to_owned(),
                        f[1].to_owned(),
                        f[2] == "True",
                        f[3].to_owned(),
                    )
                })
            })
            .collect();
        rows.sort();
        rows
    }

    /// `(service, id, state)` of the project's service containers (no one-offs).
    pub fn services(&self) -> Vec<(String, String, String)> {
        self.containers()
            .into_iter()
            .filter(|c| !c.2)
            .map(|(s, id, _, state)| (s, id, state))
            .collect()
    }

    /// How many one-off containers of the project exist.
    pub fn oneoffs(&self) -> usize {
        self.containers().iter().filter(|c| c.2).count()
    }

    /// Runs `docker-compose … ARGS` and asserts it worked.
    pub fn compose_ok(&self, args: &[&str]) {
        let out = self.compose().args(args).output();
        assert!(
            out.as_ref().is_ok_and(|o| o.status.success()),
            "docker-compose {args:?}: {out:?}"
        );
    }

    /// Writes an up/down pair into migrations/ as the test (the files are ours).
    pub fn add_migration(&self, file_stem: &str, up: &str, down: &str) {
        self.write(&format!("migrations/{file_stem}.up.sql"), up);
        self.write(&format!("migrations/{file_stem}.down.sql"), down);
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let mut cmd = self.compose();
        cmd.args(["down", "-v", "--remove-orphans", "-t", "2"]);
        match cmd.output() {
            Ok(o) if o.status.success() => {}
            Ok(o) => assert!(
                std::thread::panicking(),
                "teardown of {} failed: {}",
                self.name,
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => assert!(std::thread::panicking(), "teardown: {e}"),
        }
    }
}

/// Asserts that nothing any run printed contains the canary secret.
#[track_caller]
pub fn assert_no_canary(outputs: &[&crate::Out]) {
    for o in outputs {
        assert!(!o.all().contains(CANARY), "the secret leaked:\n{}", o.all());
        assert!(
            !o.all().contains("s3cret"),
            "part of the secret leaked:\n{}",
            o.all()
        );
    }
}
