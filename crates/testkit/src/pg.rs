//! A throwaway PostgreSQL cluster for the whole test binary (initdb + pg_ctl from the Debian
//! `postgresql` package, temp dir, free port), or the server named by TEST_DATABASE_URL.
//! Each test gets its own database.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The superuser password of the throwaway cluster.
pub const SUPER_PASSWORD: &str = "test-super-pw";

pub struct Cluster {
    /// `postgres://user:pw@127.0.0.1:PORT` (no database part).
    pub base_url: String,
    pub host: String,
    pub port: u16,
    #[allow(dead_code)]
    pub bin_dir: Option<PathBuf>,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn cluster() -> &'static Cluster {
    let c = CLUSTER.get_or_init(|| match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => from_url(&url),
        _ => start_local(),
    });
    match c {
        Ok(c) => c,
        Err(e) => panic!(
            "test PostgreSQL unavailable: {e}\nhint: run `just setup` (installs the postgresql package) or set TEST_DATABASE_URL"
        ),
    }
}

fn from_url(url: &str) -> Result<Cluster, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("TEST_DATABASE_URL: {e}"))?;
    let host = parsed.host_str().unwrap_or("127.0.0.1").to_string();
    let port = parsed.port().unwrap_or(5432);
    let mut base = parsed.clone();
    base.set_path("");
    Ok(Cluster {
        base_url: base.to_string().trim_end_matches('/').to_string(),
        host,
        port,
        bin_dir: pg_bin_dir(),
    })
}

/// Debian installs server binaries under /usr/lib/postgresql/<major>/bin.
pub fn pg_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Runs a server binary, as the `postgres` user when we are root (Postgres refuses root).
fn pg_command(bin: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    }
}

fn start_local() -> Result<Cluster, String> {
    let bin = pg_bin_dir().ok_or("no /usr/lib/postgresql/*/bin/initdb")?;
    let root = std::env::temp_dir().join(format!("admin-test-pg-{}", std::process::id()));
    let data = root.join("data");
    std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
    let pwfile = root.join("pw");
    std::fs::write(&pwfile, SUPER_PASSWORD).map_err(|e| e.to_string())?;
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&root)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("chown to postgres failed".into());
        }
    }
    let out = pg_command(&bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ])
        .arg(format!("--pwfile={}", pwfile.display()))
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        root.display()
    );
    let out = pg_command(&bin.join("pg_ctl"))
        .arg("-D")
        .arg(&data)
        .args(["-o", &opts, "-l"])
        .arg(root.join("log"))
        .args(["-w", "start"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        let log = std::fs::read_to_string(root.join("log")).unwrap_or_default();
        return Err(format!(
            "pg_ctl start failed: {}{log}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // Stop the cluster and delete it once this test process is gone.
    let watchdog = format!(
        "while [ -d /proc/{pid} ]; do sleep 1; done; {ctl} -D {data} stop -m immediate >/dev/null 2>&1; rm -rf {root}",
        pid = std::process::id(),
        ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        root = root.display()
    );
    let mut w = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", "sh", "-c", &watchdog]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", &watchdog]);
        c
    };
    w.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    Ok(Cluster {
        base_url: format!("postgres://postgres:{SUPER_PASSWORD}@127.0.0.1:{port}"),
        host: "127.0.0.1".into(),
        port,
        bin_dir: Some(bin),
    })
}

impl Cluster {
    /// A fresh, empty database for one test; returns its URL.
    pub async fn create_db(&self) -> String {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("t_{}_{n}", std::process::id());
        let mut admin = self.connect("postgres").await;
        let sql = format!("CREATE DATABASE {name}");
        if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
        {
            panic!("CREATE DATABASE {name}: {e}");
        }
        self.url(&name)
    }

    pub fn url(&self, db: &str) -> String {
        format!("{}/{db}", self.base_url)
    }

    pub async fn connect(&self, db: &str) -> sqlx::PgConnection {
        use sqlx::Connection;
        match sqlx::PgConnection::connect(&self.url(db)).await {
            Ok(c) => c,
            Err(e) => panic!("connect to test database {db}: {e}"),
        }
    }
}

/// Connects to a test database URL.
pub async fn connect(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    match sqlx::PgConnection::connect(url).await {
        Ok(c) => c,
        Err(e) => panic!("connect: {e}"),
    }
}
