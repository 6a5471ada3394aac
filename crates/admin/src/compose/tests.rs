//! End-to-end tests of [`super::resolve`] on temporary directories with an injected environment.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Fixture {
    /// A project directory named `My_Project.X` inside a fresh temp dir.
    fn new() -> Fixture {
        let tmp = match tempfile::tempdir() {
            Ok(t) => t,
            Err(e) => panic!("tempdir: {e}"),
        };
        let root = tmp.path().join("My_Project.X");
        let f = Fixture { _tmp: tmp, root };
        f.dir("");
        f
    }

    fn dir(&self, rel: &str) -> PathBuf {
        let p = self.root.join(rel);
        if let Err(e) = fs::create_dir_all(&p) {
            panic!("mkdir {}: {e}", p.display());
        }
        p
    }

    fn write(&self, rel: &str, text: &str) -> &Fixture {
        let p = self.root.join(rel);
        if let Some(parent) = p.parent() {
            self.dir(&parent.to_string_lossy());
        }
        if let Err(e) = fs::write(&p, text) {
            panic!("write {}: {e}", p.display());
        }
        self
    }
}

fn env(pairs: &[(&str, &str)]) -> EnvMap {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn ok(opts: &ResolveOptions, cwd: &Path, os_env: &EnvMap) -> Project {
    match resolve(opts, cwd, os_env) {
        Ok(p) => p,
        Err(e) => panic!("resolve failed: {e}"),
    }
}

fn err(opts: &ResolveOptions, cwd: &Path, os_env: &EnvMap) -> ComposeError {
    match resolve(opts, cwd, os_env) {
        Ok(p) => panic!("resolve should fail, got {p:?}"),
        Err(e) => e,
    }
}

const API: &str = "services:\n  api:\n    image: app\n  db:\n    image: postgres\n";

#[test]
fn resolves_from_a_subdirectory_with_override_and_dotenv() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "services:\n  api:\n    image: app:${TAG}\n    volumes: [\"./migrations:/app/migrations\"]\n  db:\n    image: postgres\n",
    )
    .write("compose.override.yml", "services:\n  api:\n    user: \"1000:1000\"\n")
    .write(".env", "TAG=from-dotenv\n");
    let cwd = f.dir("src/deep");
    let p = ok(&ResolveOptions::default(), &cwd, &env(&[]));
    assert_eq!(
        p.files,
        vec![
            f.root.join("compose.yaml"),
            f.root.join("compose.override.yml")
        ]
    );
    assert_eq!(p.dir, f.root);
    assert_eq!(p.name, "my_projectx");
    assert_eq!(p.service, "api");
    assert_eq!(p.service_config.image.as_deref(), Some("app:from-dotenv"));
    assert_eq!(p.service_config.user.as_deref(), Some("1000:1000"));
    assert_eq!(p.env_files, vec![f.root.join(".env")]);
    assert_eq!(p.services, vec!["api".to_owned(), "db".to_owned()]);
    assert_eq!(p.migrator, DEFAULT_MIGRATOR);
    let binds = p.service_config.bind_mounts();
    assert_eq!(binds.len(), 1);
    assert_eq!(binds[0].host, f.root.join("migrations"));
}

#[test]
fn real_environment_wins_over_dotenv() {
    let f = Fixture::new();
    f.write("compose.yaml", "services:\n  api:\n    image: app:${TAG}\n")
        .write(".env", "TAG=dotenv\nONLY_FILE=1\n");
    let p = ok(
        &ResolveOptions::default(),
        &f.root,
        &env(&[("TAG", "real")]),
    );
    assert_eq!(p.service_config.image.as_deref(), Some("app:real"));
    assert_eq!(p.env.get("ONLY_FILE").map(String::as_str), Some("1"));
}

#[test]
fn compose_file_from_cwd_dotenv_and_project_dir_dotenv() {
    let f = Fixture::new();
    f.write(
        ".env",
        "COMPOSE_FILE=deploy/base.yml:deploy/extra.yml\nTAG=root\n",
    )
    .write(
        "deploy/base.yml",
        "services:\n  api:\n    image: app:${TAG}-${MORE}\n",
    )
    .write(
        "deploy/extra.yml",
        "services:\n  api:\n    working_dir: /srv\n",
    )
    .write("deploy/.env", "TAG=deploy\nMORE=deploy\n");
    let p = ok(&ResolveOptions::default(), &f.root, &env(&[]));
    assert_eq!(
        p.files,
        vec![
            f.root.join("deploy/base.yml"),
            f.root.join("deploy/extra.yml")
        ]
    );
    assert_eq!(p.dir, f.root.join("deploy"));
    assert_eq!(p.name, "deploy");
    // The working directory's .env came first and keeps its values (Compose merges, never overwrites).
    assert_eq!(p.service_config.image.as_deref(), Some("app:root-deploy"));
    assert_eq!(p.service_config.working_dir.as_deref(), Some("/srv"));
    assert_eq!(
        p.env_files,
        vec![f.root.join(".env"), f.root.join("deploy/.env")]
    );
}

#[test]
fn dash_f_beats_compose_file() {
    let f = Fixture::new();
    f.write("a.yml", "services:\n  api:\n    image: from-a\n")
        .write("b.yml", "services:\n  api:\n    image: from-b\n");
    let os = env(&[("COMPOSE_FILE", "a.yml")]);
    let opts = ResolveOptions {
        files: vec![PathBuf::from("b.yml")],
        ..ResolveOptions::default()
    };
    let p = ok(&opts, &f.root, &os);
    assert_eq!(p.files, vec![f.root.join("b.yml")]);
    assert_eq!(p.service_config.image.as_deref(), Some("from-b"));
    let p = ok(&ResolveOptions::default(), &f.root, &os);
    assert_eq!(p.service_config.image.as_deref(), Some("from-a"));
}

#[test]
fn env_file_flag_replaces_dotenv_and_must_exist() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "services:\n  api:\n    image: app:${TAG:-none}\n",
    )
    .write(".env", "TAG=dotenv\n")
    .write("ci.env", "TAG=ci\n");
    let opts = ResolveOptions {
        env_files: vec![PathBuf::from("ci.env")],
        ..ResolveOptions::default()
    };
    let p = ok(&opts, &f.root, &env(&[]));
    assert_eq!(p.service_config.image.as_deref(), Some("app:ci"));
    assert_eq!(p.env_files, vec![f.root.join("ci.env")]);
    let opts = ResolveOptions {
        env_files: vec![PathBuf::from("nope.env")],
        ..ResolveOptions::default()
    };
    let e = err(&opts, &f.root, &env(&[])).to_string();
    assert!(e.contains("nope.env") && e.contains("--env-file"), "{e}");
    // COMPOSE_DISABLE_ENV_FILE skips the default .env.
    let p = ok(
        &ResolveOptions::default(),
        &f.root,
        &env(&[("COMPOSE_DISABLE_ENV_FILE", "true")]),
    );
    assert_eq!(p.service_config.image.as_deref(), Some("app:none"));
    assert!(p.env_files.is_empty());
}

#[test]
fn project_name_precedence() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "name: ${STACK:-Base_Name}\nservices:\n  api:\n    image: x\n",
    )
    .write("second.yml", "name: Second!\n");
    let files = vec![PathBuf::from("compose.yaml")];
    let with = |p: Option<&str>, os: &[(&str, &str)], files: &[PathBuf]| {
        let opts = ResolveOptions {
            project_name: p.map(str::to_owned),
            files: files.to_vec(),
            ..ResolveOptions::default()
        };
        ok(&opts, &f.root, &env(os)).name
    };
    assert_eq!(
        with(Some("flag"), &[("COMPOSE_PROJECT_NAME", "envname")], &files),
        "flag"
    );
    assert_eq!(
        with(None, &[("COMPOSE_PROJECT_NAME", "envname")], &files),
        "envname"
    );
    assert_eq!(with(None, &[], &files), "base_name");
    assert_eq!(with(None, &[("STACK", "Stack-1")], &files), "stack-1");
    let both = vec![PathBuf::from("compose.yaml"), PathBuf::from("second.yml")];
    assert_eq!(with(None, &[], &both), "second");
    // A name that normalises to nothing falls back to the directory.
    assert_eq!(with(None, &[("STACK", "!!!")], &files), "my_projectx");
    // COMPOSE_PROJECT_NAME may come from .env.
    f.write(".env", "COMPOSE_PROJECT_NAME=dotenvname\n");
    assert_eq!(with(None, &[], &files), "dotenvname");
}

#[test]
fn unnormalised_project_names_are_errors() {
    let f = Fixture::new();
    f.write("compose.yaml", API);
    let opts = ResolveOptions {
        project_name: Some("My App".into()),
        ..ResolveOptions::default()
    };
    let e = err(&opts, &f.root, &env(&[]));
    assert!(matches!(e, ComposeError::InvalidProjectName { .. }));
    let text = e.to_string();
    assert!(
        text.contains("\"My App\" (from -p)") && text.ends_with("hint: use -p myapp"),
        "{text}"
    );
    let e = err(
        &ResolveOptions::default(),
        &f.root,
        &env(&[("COMPOSE_PROJECT_NAME", "-lead")]),
    );
    assert!(e.to_string().contains("COMPOSE_PROJECT_NAME"), "{e}");
    assert_eq!(e.exit_code(), crate::exit::ExitCode::Compose);
}

#[test]
fn empty_directory_name_is_an_error() {
    let f = Fixture::new();
    let dir = f.dir("___");
    f.write("___/compose.yaml", API);
    let e = err(&ResolveOptions::default(), &dir, &env(&[]));
    assert!(matches!(e, ComposeError::EmptyProjectName { .. }), "{e}");
    assert!(e.to_string().contains("-p NAME"));
}

#[test]
fn service_selection_precedence() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "x-admin: {service: web}\nservices:\n  api: {image: a}\n  web: {image: w}\n  worker: {image: k}\n",
    );
    let pick = |flag: Option<&str>, os: &[(&str, &str)]| {
        let opts = ResolveOptions {
            service: flag.map(str::to_owned),
            ..ResolveOptions::default()
        };
        ok(&opts, &f.root, &env(os)).service
    };
    assert_eq!(pick(Some("worker"), &[("ADMIN_SERVICE", "api")]), "worker");
    assert_eq!(pick(None, &[("ADMIN_SERVICE", "api")]), "api");
    assert_eq!(pick(None, &[]), "web");
    f.write(
        "compose.yaml",
        "services:\n  api: {image: a}\n  web: {image: w}\n",
    );
    assert_eq!(pick(None, &[]), "api");
}

#[test]
fn unknown_or_missing_service_lists_services() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "services:\n  web: {image: w}\n  db: {image: p}\n",
    );
    let e = err(&ResolveOptions::default(), &f.root, &env(&[]));
    let text = e.to_string();
    assert!(matches!(e, ComposeError::NoApiService { .. }));
    assert!(text.contains("(services: db, web)"), "{text}");
    assert!(
        text.contains("--service NAME") && text.contains("x-admin: {service: NAME}"),
        "{text}"
    );
    let e = err(
        &ResolveOptions::default(),
        &f.root,
        &env(&[("ADMIN_SERVICE", "apii")]),
    );
    let text = e.to_string();
    // A name from the environment is not quoted (environment values may be secrets).
    assert!(
        text.starts_with("the service named by ADMIN_SERVICE is not in") && !text.contains("apii"),
        "{text}"
    );
    assert!(text.contains("db, web"), "{text}");
}

#[test]
fn named_databases_keep_their_order_and_keys() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "x-admin:\n  migrations: db/migrations\n  databases:\n    main: {}\n    analytics:\n      url: ANALYTICS_URL\n      migrations: analytics/migrations\n      schema: analytics/models.sql\nservices:\n  api: {image: a}\n",
    );
    let p = ok(&ResolveOptions::default(), &f.root, &env(&[]));
    let got: Vec<_> = p
        .x_admin
        .databases
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.url.as_deref(),
                d.migrations.as_deref(),
                d.schema.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("main", None, None, None),
            (
                "analytics",
                Some("ANALYTICS_URL"),
                Some("analytics/migrations"),
                Some("analytics/models.sql")
            ),
        ]
    );
    assert!(
        p.x_admin.databases[1].origin.ends_with("compose.yaml:6"),
        "{}",
        p.x_admin.databases[1].origin
    );
}

#[test]
fn a_database_url_key_names_a_variable_never_a_url() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "x-admin:\n  databases:\n    main: {url: \"postgres://app:s3cret@db/app\"}\nservices:\n  api: {image: a}\n",
    );
    let text = err(&ResolveOptions::default(), &f.root, &env(&[])).to_string();
    assert!(text.contains("x-admin.databases.main.url"), "{text}");
    assert!(text.contains("never the URL itself"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
}

#[test]
fn migrator_precedence() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "x-admin:\n  migrator: /opt/bin/migrator\nservices:\n  api: {image: a}\n",
    );
    let p = ok(&ResolveOptions::default(), &f.root, &env(&[]));
    assert_eq!(p.migrator, "/opt/bin/migrator");
    let p = ok(
        &ResolveOptions::default(),
        &f.root,
        &env(&[("ADMIN_MIGRATOR", "/usr/local/bin/m")]),
    );
    assert_eq!(p.migrator, "/usr/local/bin/m");
}

#[test]
fn required_variables_of_the_api_service_across_files() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "x-env: &env\n  DATABASE_URL: ${DATABASE_URL}\nservices:\n  api:\n    image: app:${TAG:-latest}\n    environment:\n      <<: *env\n      SECRET: ${SECRET:?set SECRET}\n      HOST: $HOST\n      DEBUG: ${DEBUG:+1}\n  db:\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n",
    )
    .write("compose.override.yaml", "services:\n  api:\n    user: ${UID_GID}\n");
    let p = ok(
        &ResolveOptions::default(),
        &f.root,
        &env(&[("SECRET", "s")]),
    );
    let got: Vec<&str> = p.required_variables.iter().map(String::as_str).collect();
    assert_eq!(got, vec!["DATABASE_URL", "HOST", "SECRET", "UID_GID"]);
    // Unset variables become "" with one warning each (the db service's too, like Compose).
    for var in ["DATABASE_URL", "HOST", "POSTGRES_PASSWORD", "UID_GID"] {
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains(&format!("\"{var}\" variable is not set"))),
            "{var}: {:?}",
            p.warnings
        );
    }
    assert_eq!(
        p.service_config.environment.get("DATABASE_URL"),
        Some(&Some(String::new()))
    );
}

#[test]
fn required_variable_error_names_file_position_and_variable() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "services:\n  api:\n    environment:\n      SECRET: ${SECRET:?set it in .env}\n",
    );
    let e = err(&ResolveOptions::default(), &f.root, &env(&[]));
    let text = e.to_string();
    let file = f.root.join("compose.yaml");
    assert!(
        text.starts_with(&format!(
            "{}:4:15: required variable SECRET is missing a value: set it in .env (in services.api.environment.SECRET)",
            file.display()
        )),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(
            "hint: set SECRET in the environment or in {}",
            f.root.join(".env").display()
        )),
        "{text}"
    );
}

#[test]
fn malformed_second_file_is_reported_with_its_position() {
    let f = Fixture::new();
    f.write("compose.yaml", API).write(
        "compose.override.yml",
        "services:\n  api:\n    image: [unclosed\n",
    );
    let e = err(&ResolveOptions::default(), &f.root, &env(&[]));
    let prefix = format!("{}:", f.root.join("compose.override.yml").display());
    let text = e.to_string();
    assert!(matches!(e, ComposeError::Yaml { line: 3.., .. }), "{text}");
    assert!(text.starts_with(&prefix), "{text}");
    let bad = "services:\n  api:\n    image: ${oops\n";
    f.write("compose.override.yml", bad);
    let text = err(&ResolveOptions::default(), &f.root, &env(&[])).to_string();
    assert!(
        text.contains(
            "compose.override.yml:3:12: invalid interpolation format for services.api.image"
        ),
        "{text}"
    );
}

#[test]
fn up_command_is_exact_for_this_project() {
    let f = Fixture::new();
    f.write("compose.yaml", API)
        .write("compose.override.yml", "services: {}\n");
    let p = ok(&ResolveOptions::default(), &f.root, &env(&[]));
    assert_eq!(
        p.up_command(),
        [
            "docker",
            "compose",
            "-f",
            "compose.yaml",
            "-f",
            "compose.override.yml",
            "-p",
            "my_projectx",
            "up",
            "-d",
            "api"
        ]
    );
    // From elsewhere, with --project-directory and --env-file, paths are absolute and all flags kept.
    f.write("ci.env", "");
    let elsewhere = f.dir("../elsewhere");
    let opts = ResolveOptions {
        project_directory: Some(f.root.clone()),
        env_files: vec![f.root.join("ci.env")],
        project_name: Some("demo".into()),
        ..ResolveOptions::default()
    };
    let p = ok(&opts, &elsewhere, &env(&[]));
    let root = f.root.display().to_string();
    assert_eq!(
        p.compose_args(),
        vec![
            "-f".to_owned(),
            format!("{root}/compose.yaml"),
            "-f".to_owned(),
            format!("{root}/compose.override.yml"),
            "--project-directory".to_owned(),
            root.clone(),
            "--env-file".to_owned(),
            format!("{root}/ci.env"),
            "-p".to_owned(),
            "demo".to_owned(),
        ]
    );
}

#[test]
fn up_command_names_the_env_file_that_was_read() {
    // The repo layout: a root .env naming a Compose file in a subdirectory.
    let f = Fixture::new();
    f.dir("compose");
    f.write("compose/docker-compose.yml", API).write(
        ".env",
        "COMPOSE_FILE=compose/docker-compose.yml\nCOMPOSE_PROJECT_NAME=demo\n",
    );
    let p = ok(&ResolveOptions::default(), &f.root, &env(&[]));
    assert_eq!(
        p.compose_args(),
        [
            "-f",
            "compose/docker-compose.yml",
            "--env-file",
            ".env",
            "-p",
            "demo"
        ]
    );
}

#[test]
fn shell_join_quotes_only_when_needed() {
    let argv: Vec<String> = ["docker", "compose", "-f", "my dir/c.yml", "it's", "", "a=b"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(
        shell_join(&argv),
        r#"docker compose -f 'my dir/c.yml' 'it'\''s' '' a=b"#
    );
}

#[test]
fn normalize_project_name_like_compose_v2() {
    assert_eq!(normalize_project_name("My_Project.X"), "my_projectx");
    assert_eq!(normalize_project_name("__-Lead"), "lead");
    assert_eq!(normalize_project_name("a b-c_d"), "ab-c_d");
    assert_eq!(normalize_project_name("Ünïcode9"), "ncode9");
    assert_eq!(normalize_project_name("---"), "");
}

#[test]
fn debug_output_never_shows_env_values() {
    let f = Fixture::new();
    f.write("compose.yaml", API)
        .write(".env", "DB_PASSWORD=canary-s3cret\n");
    let p = ok(
        &ResolveOptions::default(),
        &f.root,
        &env(&[("TOKEN", "canary-t0ken")]),
    );
    let shown = format!("{p:?}");
    assert!(
        shown.contains("DB_PASSWORD") && shown.contains("TOKEN"),
        "{shown}"
    );
    assert!(!shown.contains("canary"), "{shown}");
}

#[test]
fn home_relative_bind_mounts_and_env_files_are_absolute() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "services:\n  api:\n    volumes:\n      - ~/cache:/cache\n      - ../up:/up:ro\n    env_file: [conf/app.env]\n",
    );
    let p = ok(
        &ResolveOptions::default(),
        &f.root,
        &env(&[("HOME", "/home/u")]),
    );
    let binds = p.service_config.bind_mounts();
    assert_eq!(binds[0].host, PathBuf::from("/home/u/cache"));
    assert_eq!(
        binds[1].host,
        f.root.parent().map(|r| r.join("up")).unwrap_or_default()
    );
    assert!(binds[1].read_only);
    assert_eq!(
        p.service_config.env_file[0].path,
        f.root.join("conf/app.env").display().to_string()
    );
}

#[test]
fn env_file_keys_reads_example_files() {
    let f = Fixture::new();
    f.write(
        ".env.example",
        "DATABASE_URL=postgres://u:p@db/app\n# c\nexport API_KEY=\n",
    );
    let keys = match env_file_keys(&f.root.join(".env.example")) {
        Ok(k) => k,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(keys, vec!["DATABASE_URL", "API_KEY"]);
    let e = match env_file_keys(&f.root.join("missing.example")) {
        Ok(k) => panic!("{k:?}"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("missing.example") && e.contains("hint: "), "{e}");
}

mod include;
