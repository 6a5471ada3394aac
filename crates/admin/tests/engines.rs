//! Every way users reach an engine, live: Docker contexts made by the real docker CLI
//! (`DOCKER_CONTEXT`, `docker context use`, a context on a dead socket), TLS through a socat
//! proxy in front of the local socket with certificates made by openssl at test time (right CA,
//! wrong CA, a context holding the TLS material), and `ssh://` through a throwaway sshd on
//! loopback running `docker system dial-stdio`. All of them need the docker CLI, socat, openssl
//! and sshd (scripts/setup.sh installs them); they fail, never skip, when something is missing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing unwrap is a failing test"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use admin::docker::{self, EngineEnv, Source};

use crate::{Out, Run};

/// The engine the tests run against (the docker CLI's `DOCKER_HOST`, else the default socket).
fn local_host() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string())
}

fn local_socket() -> String {
    let host = local_host();
    host.strip_prefix("unix://")
        .unwrap_or_else(|| panic!("these tests proxy a unix socket, DOCKER_HOST={host}"))
        .to_string()
}

/// Runs a program, which must succeed; returns its stdout.
fn must(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (scripts/setup.sh installs it)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The real docker CLI with its own configuration directory (and no engine variables).
fn docker_cli(config: &Path, args: &[&str]) -> String {
    must(
        Command::new("docker")
            .env("DOCKER_CONFIG", config)
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .args(args),
    )
}

/// A Compose project of its own (unique name, nothing running) and admin run in it with
/// `-v` and a clean engine environment.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = tempfile::tempdir().unwrap();
        let name = format!(
            "admintest-engine-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let body = format!("name: {name}\nservices:\n  api:\n    image: admin-test/none\n");
        std::fs::write(dir.path().join("compose.yaml"), body).unwrap();
        Project { dir }
    }

    fn admin(&self, config: &Path) -> Run {
        Run::bin(env!("CARGO_BIN_EXE_admin"))
            .current_dir(self.dir.path())
            .env("DOCKER_CONFIG", config)
            .env_remove("COMPOSE_FILE")
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_TLS")
            .env_remove("DOCKER_CERT_PATH")
            .args(["-v", "db", "current"])
    }
}

/// admin reached the engine: `-v` names it and why, and the failure (if any) is not exit 11.
fn reached(out: &Out, engine: &str) {
    assert_ne!(out.code, 11, "{}", out.all());
    out.stderr_has(&format!("engine: {engine}"));
}

#[test]
fn contexts_made_by_the_docker_cli_are_followed() {
    let config = tempfile::tempdir().unwrap();
    let cfg = config.path();
    let host = local_host();
    docker_cli(
        cfg,
        &[
            "context",
            "create",
            "t1",
            "--docker",
            &format!("host={host}"),
        ],
    );
    let dead = format!("unix://{}/dead.sock", cfg.display());
    docker_cli(
        cfg,
        &[
            "context",
            "create",
            "dead",
            "--docker",
            &format!("host={dead}"),
        ],
    );
    let project = Project::new();

    // DOCKER_CONTEXT.
    let out = project.admin(cfg).env("DOCKER_CONTEXT", "t1").run();
    reached(&out, &format!("{host} (context t1 from DOCKER_CONTEXT)"));

    // `docker context use`: currentContext in config.json.
    docker_cli(cfg, &["context", "use", "t1"]);
    let config_json = cfg.join("config.json");
    let out = project.admin(cfg).run();
    reached(
        &out,
        &format!("{host} (context t1 from {})", config_json.display()),
    );

    // A context on a dead socket: exit 11, naming the context and the way out.
    docker_cli(cfg, &["context", "use", "dead"]);
    let out = project.admin(cfg).run();
    out.code(11)
        .stderr_has(&format!(
            "cannot reach the Docker engine at {dead} (context dead from {}",
            config_json.display()
        ))
        .stderr_has("hint: check the engine of context dead (docker --context dead version) or switch: docker context use default");
    // DOCKER_CONTEXT beats the current context; DOCKER_HOST beats both.
    let out = project.admin(cfg).env("DOCKER_CONTEXT", "t1").run();
    reached(&out, &format!("{host} (context t1 from DOCKER_CONTEXT)"));
    let out = project.admin(cfg).env("DOCKER_HOST", &host).run();
    reached(&out, &format!("DOCKER_HOST={host}"));
    // `default` is the local engine.
    let out = project.admin(cfg).env("DOCKER_CONTEXT", "default").run();
    assert_ne!(out.code, 11, "{}", out.all());

    // A context that does not exist: named, with the command that lists them.
    let out = project.admin(cfg).env("DOCKER_CONTEXT", "nosuch").run();
    out.code(11)
        .stderr_has("Docker context `nosuch` (from DOCKER_CONTEXT) does not exist")
        .stderr_has("hint: docker context ls");
}

/// openssl-made certificates: a CA, a server certificate for 127.0.0.1 and a client
/// certificate, plus a second CA that signed nothing.
struct Certs {
    dir: tempfile::TempDir,
}

impl Certs {
    fn new() -> Certs {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let openssl = |args: &[&str]| {
            must(Command::new("openssl").current_dir(d).args(args));
        };
        for ca in ["ca", "other-ca"] {
            openssl(&[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                &format!("/CN={ca}"),
                "-keyout",
                &format!("{ca}-key.pem"),
                "-out",
                &format!("{ca}.pem"),
            ]);
        }
        std::fs::write(
            d.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        std::fs::write(d.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
        for (who, ext) in [("server", "server.ext"), ("client", "client.ext")] {
            openssl(&[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                &format!("/CN={who}"),
                "-keyout",
                &format!("{who}-key.pem"),
                "-out",
                &format!("{who}.csr"),
            ]);
            openssl(&[
                "x509",
                "-req",
                "-in",
                &format!("{who}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-days",
                "1",
                "-extfile",
                ext,
                "-out",
                &format!("{who}.pem"),
            ]);
        }
        Certs { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A DOCKER_CERT_PATH directory (ca.pem, cert.pem, key.pem) trusting `ca`.
    fn cert_path(&self, ca: &str) -> PathBuf {
        let dir = self.dir.path().join(format!("client-{ca}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(self.path(&format!("{ca}.pem")), dir.join("ca.pem")).unwrap();
        std::fs::copy(self.path("client.pem"), dir.join("cert.pem")).unwrap();
        std::fs::copy(self.path("client-key.pem"), dir.join("key.pem")).unwrap();
        dir
    }
}

/// A child process killed (and reaped) when dropped.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, daemon: &mut Daemon) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = daemon.0.try_wait() {
            panic!("the daemon for port {port} exited: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// socat: TLS on 127.0.0.1:port (client certificate required) → the local engine's socket.
fn tls_proxy(certs: &Certs) -> (Daemon, u16) {
    let port = free_port();
    let listen = format!(
        "OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={},key={},cafile={},verify=1",
        certs.path("server.pem").display(),
        certs.path("server-key.pem").display(),
        certs.path("ca.pem").display()
    );
    // Without a session id context, OpenSSL refuses to issue TLS 1.3 session tickets to a
    // client that verifies with a certificate ("session id context uninitialized"); socat
    // cannot set one, so no tickets (dockerd, in Go, does not have this problem).
    let conf = certs.path("no-tickets.cnf");
    std::fs::write(
        &conf,
        "openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\nsystem_default = sys\n[sys]\nNumTickets = 0\n",
    )
    .unwrap();
    let child = Command::new("socat")
        .env("OPENSSL_CONF", &conf)
        .args([listen, format!("UNIX-CONNECT:{}", local_socket())])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot run socat (scripts/setup.sh installs it)");
    let mut daemon = Daemon(child);
    wait_for_port(port, &mut daemon);
    (daemon, port)
}

#[test]
fn tls_engines_are_verified_against_their_ca() {
    let certs = Certs::new();
    let (_proxy, port) = tls_proxy(&certs);
    let config = tempfile::tempdir().unwrap();
    let cfg = config.path();
    let project = Project::new();
    let tcp = format!("tcp://127.0.0.1:{port}");

    // DOCKER_TLS_VERIFY + DOCKER_CERT_PATH.
    let good = certs.cert_path("ca");
    let out = project
        .admin(cfg)
        .env("DOCKER_HOST", &tcp)
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &good)
        .run();
    reached(&out, &format!("DOCKER_HOST={tcp} (TLS)"));

    // Another CA: the server is not trusted, exit 11.
    let wrong = certs.cert_path("other-ca");
    let out = project
        .admin(cfg)
        .env("DOCKER_HOST", &tcp)
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &wrong)
        .run();
    out.code(11)
        .stderr_has(&format!(
            "cannot reach the Docker engine at DOCKER_HOST={tcp} (TLS)"
        ))
        .stderr_has("certificate");

    // DOCKER_TLS without DOCKER_TLS_VERIFY: TLS, server not verified (as the docker CLI).
    let out = project
        .admin(cfg)
        .env("DOCKER_HOST", &tcp)
        .env("DOCKER_TLS", "1")
        .env("DOCKER_CERT_PATH", &wrong)
        .run();
    reached(
        &out,
        &format!("DOCKER_HOST={tcp} (TLS without verifying the server)"),
    );

    // Plain HTTP to the TLS port fails too (no silent downgrade).
    let out = project.admin(cfg).env("DOCKER_HOST", &tcp).run();
    out.code(11);

    // A context holding the TLS material, as `docker context create` stores it.
    let spec = format!(
        "host={tcp},ca={},cert={},key={}",
        good.join("ca.pem").display(),
        good.join("cert.pem").display(),
        good.join("key.pem").display()
    );
    docker_cli(cfg, &["context", "create", "secure", "--docker", &spec]);
    // The proxy works for the docker CLI itself.
    docker_cli(
        cfg,
        &[
            "--context",
            "secure",
            "version",
            "--format",
            "{{.Server.Version}}",
        ],
    );
    let out = project.admin(cfg).env("DOCKER_CONTEXT", "secure").run();
    reached(
        &out,
        &format!("{tcp} (context secure from DOCKER_CONTEXT, TLS)"),
    );
    // skip-tls-verify=true: no CA, the client certificate still presented.
    let spec = format!(
        "host={tcp},cert={},key={},skip-tls-verify=true",
        good.join("cert.pem").display(),
        good.join("key.pem").display()
    );
    docker_cli(cfg, &["context", "create", "skip", "--docker", &spec]);
    let out = project.admin(cfg).env("DOCKER_CONTEXT", "skip").run();
    reached(
        &out,
        &format!("{tcp} (context skip from DOCKER_CONTEXT, TLS without verifying the server)"),
    );
}

/// A throwaway sshd on 127.0.0.1 (its own host key, one authorized key) and an `ssh` wrapper
/// first on PATH that uses that key and trusts that host.
struct Sshd {
    _daemon: Daemon,
    port: u16,
    bin: PathBuf,
    _dir: tempfile::TempDir,
}

impl Sshd {
    fn start() -> Sshd {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for key in ["host", "user"] {
            must(
                Command::new("ssh-keygen")
                    .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                    .arg(d.join(key)),
            );
        }
        std::fs::copy(d.join("user.pub"), d.join("authorized_keys")).unwrap();
        // sshd's privilege separation directory (Debian's package creates it at boot only).
        let _ = std::fs::create_dir_all("/run/sshd");
        let port = free_port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nAuthorizedKeysFile {keys}\n\
             PidFile {pid}\nStrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\n",
            host = d.join("host").display(),
            keys = d.join("authorized_keys").display(),
            pid = d.join("sshd.pid").display(),
        );
        std::fs::write(d.join("sshd_config"), config).unwrap();
        let sshd = ["/usr/sbin/sshd", "/usr/bin/sshd"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("sshd is not installed (scripts/setup.sh installs openssh-server)");
        let child = Command::new(sshd)
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start sshd");
        let mut daemon = Daemon(child);
        wait_for_port(port, &mut daemon);
        let bin = d.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let client = format!(
            "IdentityFile {key}\nIdentitiesOnly yes\nUserKnownHostsFile /dev/null\n\
             StrictHostKeyChecking no\nBatchMode yes\nLogLevel ERROR\n",
            key = d.join("user").display()
        );
        std::fs::write(d.join("ssh_config"), client).unwrap();
        let wrapper = bin.join("ssh");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec /usr/bin/ssh -F {} \"$@\"\n",
                d.join("ssh_config").display()
            ),
        )
        .unwrap();
        must(Command::new("chmod").arg("+x").arg(&wrapper));
        Sshd {
            _daemon: daemon,
            port,
            bin,
            _dir: dir,
        }
    }

    fn path_env(&self) -> String {
        format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }
}

fn user() -> String {
    must(Command::new("id").arg("-un")).trim().to_string()
}

#[test]
fn ssh_engines_are_reached_through_docker_system_dial_stdio() {
    let sshd = Sshd::start();
    let config = tempfile::tempdir().unwrap();
    let project = Project::new();
    let url = format!("ssh://{}@127.0.0.1:{}", user(), sshd.port);
    let out = project
        .admin(config.path())
        .env("PATH", sshd.path_env())
        .env("DOCKER_HOST", &url)
        .run();
    reached(&out, &format!("DOCKER_HOST={url}"));

    // The same engine as a context made by the docker CLI.
    docker_cli(
        config.path(),
        &[
            "context",
            "create",
            "viassh",
            "--docker",
            &format!("host={url}"),
        ],
    );
    let out = project
        .admin(config.path())
        .env("PATH", sshd.path_env())
        .env("DOCKER_CONTEXT", "viassh")
        .run();
    reached(&out, &format!("{url} (context viassh from DOCKER_CONTEXT)"));

    // Nobody at that port: exit 11 with what ssh said.
    let dead = format!("ssh://{}@127.0.0.1:{}", user(), free_port());
    let out = project
        .admin(config.path())
        .env("PATH", sshd.path_env())
        .env("DOCKER_HOST", &dead)
        .run();
    out.code(11).stderr_has("ssh: ");
}

/// Through ssh, an attached exec (an HTTP upgrade over the ssh process's stdio) streams both
/// ways and passes the exit code.
#[tokio::test]
async fn ssh_transport_carries_an_attached_exec() {
    let local = crate::docker_exec::engine()
        .await
        .expect("the Docker engine and the test image");
    let mut project = crate::docker_exec::Project::new(local, "ssh");
    let id = project.api(&[]).await;
    let sshd = Sshd::start();
    let env = EngineEnv {
        docker_host: Some(format!("ssh://{}@127.0.0.1:{}", user(), sshd.port)),
        ssh_program: Some(sshd.bin.join("ssh")),
        ..EngineEnv::default()
    };
    let (docker, endpoint) = docker::connect(&env).await.unwrap();
    assert_eq!(endpoint.source, Source::DockerHost);
    assert!(endpoint.ssh().is_some());
    let mut sink = crate::docker_exec::Collect::default();
    let request = docker::ExecRequest {
        argv: ["sh", "-c", "cat; echo err >&2; exit 3"]
            .iter()
            .map(|a| a.to_string())
            .collect(),
        env: Vec::new(),
        user: None,
        working_dir: None,
        mode: docker::ExecMode::Streamed {
            stdin: docker::ExecStdin::Bytes(b"over ssh\n".to_vec()),
        },
    };
    let outcome = docker::exec(&docker, &id, request, &mut sink)
        .await
        .unwrap();
    assert!(
        matches!(outcome, docker::ExecOutcome::Exited(3)),
        "{outcome:?}"
    );
    assert_eq!(sink.out(), "over ssh\n");
    assert_eq!(sink.err(), "err\n");
    // Idle connections are reused between calls; a second exec works the same.
    for _ in 0..3 {
        docker.version().await.unwrap();
    }
    let mut again = crate::docker_exec::Collect::default();
    let request = docker::ExecRequest {
        argv: vec!["cat".to_string()],
        env: Vec::new(),
        user: None,
        working_dir: None,
        mode: docker::ExecMode::Streamed {
            stdin: docker::ExecStdin::Bytes(b"again".to_vec()),
        },
    };
    let outcome = docker::exec(&docker, &id, request, &mut again)
        .await
        .unwrap();
    assert!(
        matches!(outcome, docker::ExecOutcome::Exited(0)),
        "{outcome:?}"
    );
    assert_eq!(again.out(), "again");
}
