//! Unit tests of engine resolution: a temporary DOCKER_CONFIG laid out as the docker CLI writes it.

#![allow(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]

use std::path::{Path, PathBuf};

use super::*;

/// A DOCKER_CONFIG directory with helpers to write config.json, contexts and TLS files.
struct Config {
    dir: tempfile::TempDir,
}

impl Config {
    fn new() -> Config {
        Config {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn current(&self, name: &str) -> &Config {
        std::fs::write(
            self.path().join("config.json"),
            format!("{{\n\t\"auths\": {{}},\n\t\"currentContext\": \"{name}\"\n}}"),
        )
        .unwrap();
        self
    }

    /// As `docker context create NAME --docker host=HOST[,skip-tls-verify=…]` writes it.
    fn context(&self, name: &str, host: &str, skip_tls_verify: bool) -> PathBuf {
        let meta = self
            .path()
            .join("contexts/meta")
            .join(context_dir_name(name));
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            format!(
                r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":{skip_tls_verify}}}}}}}"#
            ),
        )
        .unwrap();
        meta
    }

    fn context_tls(&self, name: &str) -> PathBuf {
        let tls = self
            .path()
            .join("contexts/tls")
            .join(context_dir_name(name))
            .join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(tls.join(f), "x").unwrap();
        }
        tls
    }

    fn env(&self) -> EngineEnv {
        EngineEnv {
            docker_config: Some(self.path().to_path_buf()),
            contexts: true,
            ..EngineEnv::default()
        }
    }
}

#[test]
fn context_dir_is_the_sha256_of_the_name() {
    assert_eq!(
        context_dir_name("remote"),
        "b71199ebd070b36beab7317920c2c2f1d777df8d05e5527d8458fda57cb17a7a"
    );
}

#[test]
fn nothing_set_is_the_default_socket() {
    let config = Config::new();
    let found = resolve(&config.env()).unwrap();
    assert_eq!(found.host, "unix:///var/run/docker.sock");
    assert_eq!(found.source, Source::Default);
    assert_eq!(
        found.describe(),
        "unix:///var/run/docker.sock (DOCKER_HOST is not set)"
    );
}

#[test]
fn current_context_from_config_json() {
    let config = Config::new();
    config.context("remote", "tcp://10.0.0.2:2375", false);
    config.current("remote");
    let found = resolve(&config.env()).unwrap();
    assert_eq!(found.host, "tcp://10.0.0.2:2375");
    assert!(found.tls.is_none());
    let file = config.path().join("config.json").display().to_string();
    assert_eq!(
        found.source,
        Source::Context {
            name: "remote".into(),
            from: file.clone()
        }
    );
    assert_eq!(
        found.describe(),
        format!("tcp://10.0.0.2:2375 (context remote from {file})")
    );
}

#[test]
fn docker_context_beats_current_context_and_docker_host_beats_both() {
    let config = Config::new();
    config.context("remote", "tcp://10.0.0.2:2375", false);
    config.context("other", "unix:///run/podman/podman.sock", false);
    config.current("remote");
    let mut env = config.env();
    env.docker_context = Some("other".into());
    let found = resolve(&env).unwrap();
    assert_eq!(found.host, "unix:///run/podman/podman.sock");
    assert_eq!(
        found.describe(),
        "unix:///run/podman/podman.sock (context other from DOCKER_CONTEXT)"
    );

    env.docker_host = Some("tcp://me:s3cret@10.9.9.9:2375".into());
    let found = resolve(&env).unwrap();
    assert_eq!(found.source, Source::DockerHost);
    assert_eq!(found.describe(), "DOCKER_HOST=tcp://me:***@10.9.9.9:2375");
}

#[test]
fn default_context_means_no_context() {
    let config = Config::new();
    config.current("default");
    let found = resolve(&config.env()).unwrap();
    assert_eq!(found.source, Source::Default);
    let mut env = config.env();
    env.docker_context = Some("default".into());
    assert_eq!(resolve(&env).unwrap().source, Source::Default);
}

#[test]
fn missing_context_names_it_and_its_file() {
    let config = Config::new();
    let mut env = config.env();
    env.docker_context = Some("gone".into());
    let err = resolve(&env).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("Docker context `gone` (from DOCKER_CONTEXT) does not exist: "),
        "{text}"
    );
    assert!(text.contains(&context_dir_name("gone")), "{text}");
    assert!(
        text.ends_with("\nhint: docker context ls (then export DOCKER_CONTEXT=<one of them>, or unset DOCKER_CONTEXT)"),
        "{text}"
    );

    config.current("gone");
    let text = resolve(&config.env()).unwrap_err().to_string();
    assert!(text.contains("config.json) does not exist"), "{text}");
    assert!(
        text.ends_with("\nhint: docker context use default"),
        "{text}"
    );
}

#[test]
fn broken_files_are_named() {
    let config = Config::new();
    std::fs::write(config.path().join("config.json"), "{not json").unwrap();
    let text = resolve(&config.env()).unwrap_err().to_string();
    assert!(
        text.starts_with("cannot read the docker CLI configuration "),
        "{text}"
    );
    assert!(text.contains("config.json"), "{text}");

    let config = Config::new();
    let meta = config.context("bad", "x", false);
    std::fs::write(meta.join("meta.json"), r#"{"Name":"bad","Endpoints":{}}"#).unwrap();
    config.current("bad");
    let text = resolve(&config.env()).unwrap_err().to_string();
    assert!(
        text.starts_with("Docker context `bad` has no Docker endpoint"),
        "{text}"
    );
    assert!(
        text.ends_with("hint: docker context update bad --docker host=unix:///var/run/docker.sock"),
        "{text}"
    );
}

#[test]
fn context_tls_material_is_used_and_skip_verify_follows_the_context() {
    let config = Config::new();
    config.context("secure", "tcp://10.0.0.2:2376", false);
    let tls = config.context_tls("secure");
    config.current("secure");
    let found = resolve(&config.env()).unwrap();
    let got = found.tls.clone().unwrap();
    assert_eq!(got.ca, tls.join("ca.pem"));
    assert_eq!(got.cert, tls.join("cert.pem"));
    assert_eq!(got.key, tls.join("key.pem"));
    assert!(found.describe().ends_with(", TLS)"), "{}", found.describe());

    assert!(got.verify);
    // SkipTLSVerify: TLS without verifying the server, even without any TLS material.
    config.context("insecure", "tcp://10.0.0.2:2376", true);
    config.current("insecure");
    let found = resolve(&config.env()).unwrap();
    assert!(!found.tls.clone().unwrap().verify);
    assert!(
        found
            .describe()
            .ends_with(", TLS without verifying the server)"),
        "{}",
        found.describe()
    );
}

#[test]
fn env_tls_follows_the_docker_cli() {
    let certs = tempfile::tempdir().unwrap();
    std::fs::write(certs.path().join("ca.pem"), "x").unwrap();
    let config = Config::new();
    let mut env = config.env();
    env.docker_host = Some("tcp://10.0.0.2".into());
    // DOCKER_CERT_PATH alone does not turn TLS on; the CLI's default port is filled in.
    env.cert_path = Some(certs.path().to_path_buf());
    let found = resolve(&env).unwrap();
    assert_eq!(found.host, "tcp://10.0.0.2:2375");
    assert!(found.tls.is_none());
    // DOCKER_TLS_VERIFY: TLS, port 2376 by default, files from DOCKER_CERT_PATH.
    env.tls_verify = true;
    let found = resolve(&env).unwrap();
    assert_eq!(found.host, "tcp://10.0.0.2:2376");
    assert_eq!(found.tls.unwrap().ca, certs.path().join("ca.pem"));
    assert_eq!(
        resolve(&env).unwrap().describe(),
        "DOCKER_HOST=tcp://10.0.0.2:2376 (TLS)"
    );
    // Without DOCKER_CERT_PATH the files are looked for in DOCKER_CONFIG (missing here).
    env.cert_path = None;
    let err = resolve(&env).unwrap_err();
    assert!(
        matches!(&err, EngineError::MissingTlsFile { file, .. } if *file == config.path().join("ca.pem")),
        "{err}"
    );
    // DOCKER_TLS without DOCKER_TLS_VERIFY: TLS without verifying the server (no ca.pem needed).
    env.tls_verify = false;
    env.tls = true;
    let found = resolve(&env).unwrap();
    assert!(!found.tls.clone().unwrap().verify);
    assert_eq!(
        found.describe(),
        "DOCKER_HOST=tcp://10.0.0.2:2376 (TLS without verifying the server)"
    );
    // https:// is TLS even without DOCKER_TLS_VERIFY, with DOCKER_CERT_PATH's files.
    env.tls = false;
    env.cert_path = Some(certs.path().to_path_buf());
    env.docker_host = Some("https://10.0.0.2:2376".into());
    let found = resolve(&env).unwrap();
    assert_eq!(found.tls.unwrap().ca, certs.path().join("ca.pem"));
    env.tls = true;
    // TLS settings do not apply to a unix socket.
    env.docker_host = Some("unix:///run/podman/podman.sock".into());
    assert!(resolve(&env).unwrap().tls.is_none());
}

#[test]
fn ssh_hosts_resolve_to_a_target_and_passwords_are_refused() {
    let mut env = EngineEnv::from(Some("ssh://me@127.0.0.1:2222"));
    let found = resolve(&env).unwrap();
    let target = found.ssh().unwrap();
    assert_eq!(target.user.as_deref(), Some("me"));
    assert_eq!(target.port, Some(2222));
    env.docker_host = Some("ssh://me:pw@box".into());
    let text = resolve(&env).unwrap_err().to_string();
    assert!(
        text.starts_with("cannot use ssh://me:***@box (DOCKER_HOST): plain-text password"),
        "{text}"
    );
    assert!(!text.contains("pw"), "{text}");
}

#[test]
fn bare_docker_host_ignores_contexts() {
    let config = Config::new();
    config.context("remote", "tcp://10.0.0.2:2375", false);
    config.current("remote");
    let mut env = EngineEnv::from(None);
    env.docker_config = Some(config.path().to_path_buf());
    assert_eq!(resolve(&env).unwrap().source, Source::Default);
}

#[tokio::test]
async fn unreachable_context_names_it_and_exits_11() {
    let config = Config::new();
    let host = format!("unix://{}/no.sock", config.path().display());
    config.context("dead", &host, false);
    let mut env = config.env();
    env.docker_context = Some("dead".into());
    let err = crate::docker::connect_to(&env).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot reach the Docker engine at {host} (context dead from DOCKER_CONTEXT): "
        )),
        "{text}"
    );
    assert!(
        text.ends_with("\nhint: check the engine of context dead (docker --context dead version) or switch: docker context use default"),
        "{text}"
    );
    assert_eq!(err.exit_code().code(), 11);
}

#[tokio::test]
async fn unreachable_docker_host_names_it_and_exits_11() {
    let dir = tempfile::tempdir().unwrap();
    let host = format!("unix://{}/no.sock", dir.path().display());
    let err = crate::docker::connect_to(Some(host.as_str()))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with(&format!(
        "cannot reach the Docker engine at DOCKER_HOST={host}: "
    )));
    assert!(text.ends_with(
        "\nhint: check that engine (docker version), or unset DOCKER_HOST to use the local one"
    ));
    assert_eq!(err.exit_code().code(), 11);
}

#[tokio::test]
async fn unsupported_scheme_is_a_bad_host() {
    let err = crate::docker::connect_to(Some("ftp://example"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, crate::docker::DockerError::BadHost { .. }),
        "{err:?}"
    );
    assert_eq!(err.exit_code().code(), 11);
}

#[tokio::test]
async fn ssh_failure_says_what_ssh_said() {
    // Port 1 on loopback: nothing listens; ssh's own message is the reason.
    let err = crate::docker::connect_to(Some("ssh://nobody@127.0.0.1:1"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("ssh: "), "{text}");
    assert_eq!(err.exit_code().code(), 11);
}
