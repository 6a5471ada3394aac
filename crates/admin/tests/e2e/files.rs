//! The developer's working tree is the source of truth (issue 10): the files travel over the
//! exec channel, generated pairs are written on the host by admin, and everything printed
//! names host paths and `admin db …` commands. None of these stacks bind-mounts anything.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use testkit::{Out, Transcript, snapshot_settings};

use super::{Stack, assert_no_canary, images};
use crate::Run;

/// Nothing a user reads names the container's paths or the migrator's own commands.
#[track_caller]
fn host_words_only(outs: &[&Out]) {
    for o in outs {
        let all = o.all();
        assert!(!all.contains("/app/"), "a container path:\n{all}");
        assert!(!all.contains("migrator "), "the migrator's command:\n{all}");
        assert!(!all.contains("--database-url"), "a migrator flag:\n{all}");
    }
}

fn sh(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).current_dir(dir).output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("{program} {args:?}: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => panic!("{program}: {e}"),
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The file of `dir` whose name ends with `suffix`.
fn named(dir: &Path, suffix: &str) -> std::path::PathBuf {
    let found = files_in(dir).into_iter().find(|n| n.ends_with(suffix));
    match found {
        Some(n) => dir.join(n),
        None => panic!("no *{suffix} in {}: {:?}", dir.display(), files_in(dir)),
    }
}

/// schema.sql replaced under a running stack (in place with `sed -i`, by `mv`, by `git
/// checkout`) is what the next command sees; migrate, history, sqlmigrate, downgrade read the
/// host's files; errors and JSON name host paths.
#[test]
fn the_working_tree_is_what_every_command_sees() {
    let Some(images) = images() else { return };
    let s = Stack::reference(images, "wt");
    let mut t = Transcript::default();
    let run = |t: &mut Transcript, args: &[&str]| {
        let out = s.admin().args(args).run();
        t.add(&format!("admin {}", args.join(" ")), &out);
        out
    };
    let up = s.admin().args(["--up", "db", "current"]).run();
    up.ok();

    let made = run(&mut t, &["db", "makemigrations", "-m", "create items"]);
    made.ok()
        .stdout_has("migrations/")
        .stderr_has("Created migration");
    let mig = s.path("migrations");
    assert_eq!(files_in(&mig).len(), 2, "{:?}", files_in(&mig));
    let mine = rustix::process::getuid().as_raw();
    for f in files_in(&mig) {
        let meta = std::fs::metadata(mig.join(&f));
        assert_eq!(
            meta.map(|m| m.uid()).ok(),
            Some(mine),
            "{f} is the caller's"
        );
    }
    let migrate = run(&mut t, &["db", "migrate"]);
    migrate.ok().stderr_has("Applied 1 migration");

    // 1. In place (sed -i writes a new file and renames it over the old one).
    sh(
        s.dir.path(),
        "sed",
        &[
            "-i",
            "s/name text NOT NULL,/name text NOT NULL,\\n    price numeric,/",
            "schema.sql",
        ],
    );
    let check = run(&mut t, &["db", "makemigrations", "--check"]);
    check
        .code(1)
        .stderr_has("column public.items.price")
        .stderr_has("hint: generate the migration with: admin db makemigrations -m");
    let price = run(&mut t, &["db", "makemigrations", "-m", "add price"]);
    price.ok();
    assert!(read(&named(&mig, "_add_price.up.sql")).contains("ADD COLUMN price numeric"));
    s.admin().args(["db", "migrate"]).run().ok();
    let clean = run(&mut t, &["db", "makemigrations", "--check"]);
    clean.ok().stderr_has("No changes detected");

    // 2. Replaced by mv (an editor's atomic save).
    let schema = read(&s.path("schema.sql"));
    s.write(
        "schema.sql.new",
        &format!("{schema}\nCREATE TABLE tags (id int PRIMARY KEY);\n"),
    );
    sh(s.dir.path(), "mv", &["schema.sql.new", "schema.sql"]);
    s.admin()
        .args(["db", "makemigrations", "--check"])
        .run()
        .code(1)
        .stderr_has("table public.tags");

    // 3. git checkout of another branch's schema.sql.
    sh(s.dir.path(), "git", &["init", "-q", "-b", "main"]);
    sh(s.dir.path(), "git", &["add", "schema.sql", "migrations"]);
    let commit = |msg: &str| {
        let args = [
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qam",
            msg,
        ];
        sh(s.dir.path(), "git", &args);
    };
    commit("tags");
    sh(s.dir.path(), "git", &["checkout", "-q", "-b", "feature"]);
    s.write(
        "schema.sql",
        &format!("{schema}\nCREATE TABLE labels (id int PRIMARY KEY);\n"),
    );
    commit("labels");
    s.admin()
        .args(["db", "makemigrations", "--check"])
        .run()
        .code(1)
        .stderr_has("table public.labels");
    sh(s.dir.path(), "git", &["checkout", "-q", "main"]);
    s.admin()
        .args(["db", "makemigrations", "--check"])
        .run()
        .code(1)
        .stderr_has("table public.tags");
    s.admin()
        .args(["db", "makemigrations", "-m", "tags"])
        .run()
        .ok();
    s.admin().args(["db", "migrate"]).run().ok();

    // A migration written by hand, CRLF line ends: its bytes travel unchanged (sqlmigrate
    // prints them, the checksum recorded is the host file's).
    let crlf = "-- by hand\r\nCREATE TABLE crlf (id int);\r\n";
    s.add_migration("29990101000000_by_hand", crlf, "DROP TABLE crlf;\r\n");
    let sqlm = s.admin().args(["db", "sqlmigrate", "29990101000000"]).run();
    assert_eq!(sqlm.ok().stdout, crlf);
    s.admin().args(["db", "migrate"]).run().ok();
    let recorded = s.psql(
        "db",
        "app",
        "SELECT encode(checksum, 'hex') FROM _sqlx_migrations WHERE version = 29990101000000",
    );
    let sha = Command::new("sha384sum")
        .arg(s.path("migrations/29990101000000_by_hand.up.sql"))
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert_eq!(
        recorded.trim(),
        sha.split_whitespace().next().unwrap_or("-")
    );

    // History and JSON name host files.
    let history = run(&mut t, &["db", "history"]);
    history.ok().stdout_has("by hand").stdout_has("applied");
    let json = s.admin().args(["--format", "json", "db", "history"]).run();
    for row in json.ok().json().as_array().cloned().unwrap_or_default() {
        let file = row["file"].as_str().unwrap_or_default().to_string();
        assert!(file.starts_with("migrations/"), "{file}");
        assert!(s.path(&file).exists(), "{file}");
    }

    // A modified applied file: named by its host path, with a command that works here.
    s.write(
        "migrations/29990101000000_by_hand.up.sql",
        &format!("{crlf}-- edited\r\n"),
    );
    let modified = run(&mut t, &["db", "migrate"]);
    modified
        .code(6)
        .stderr_has("migrations/29990101000000_by_hand.up.sql no longer matches")
        .stderr_has("git checkout -- migrations/29990101000000_by_hand.up.sql");
    // From the migrations folder the same file is named relative to where admin runs.
    let env_file = s.path(".env").display().to_string();
    let compose_file = s.path("compose/docker-compose.yml").display().to_string();
    let from_sub = s
        .admin_in(&mig)
        .args([
            "--env-file",
            &env_file,
            "-f",
            &compose_file,
            "db",
            "migrate",
        ])
        .run();
    from_sub
        .code(6)
        .stderr_has("modified: 29990101000000_by_hand.up.sql no longer matches")
        .stderr_has("(git checkout -- 29990101000000_by_hand.up.sql)");
    let from_compose = s
        .admin_in(&s.path("compose"))
        .args([
            "--env-file",
            &env_file,
            "-f",
            &compose_file,
            "db",
            "migrate",
        ])
        .run();
    from_compose
        .code(6)
        .stderr_has("modified: ../migrations/29990101000000_by_hand.up.sql no longer matches");
    s.write("migrations/29990101000000_by_hand.up.sql", crlf);

    // downgrade runs the host's down file.
    let down = run(&mut t, &["db", "downgrade"]);
    down.ok().stderr_has("Reverted 1 migration");
    assert_eq!(
        s.psql("db", "app", "SELECT to_regclass('public.crlf') IS NULL")
            .trim(),
        "t"
    );
    // A failing migration: its host file, line and an admin command.
    s.add_migration(
        "29990102000000_broken",
        "CREATE TABLE half (id int);\nSELECT * FROM missing_table;\n",
        "DROP TABLE half;",
    );
    let broken = run(&mut t, &["db", "migrate"]);
    broken
        .code(5)
        .stderr_has("migrations/29990102000000_broken.up.sql")
        .stderr_has("hint: fix the file, then run: admin db migrate");
    // A down file missing: refused up front, naming the host file and the stamp that helps.
    let tags_down = named(&mig, "_tags.down.sql");
    std::fs::remove_file(&tags_down).ok();
    let no_down = run(&mut t, &["db", "downgrade", "-2"]);
    no_down
        .code(7)
        .stderr_has(&format!(
            "(expected migrations/{})",
            tags_down
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ))
        .stderr_has("nothing was reverted")
        .stderr_has("admin db stamp ");
    let json_made = run(
        &mut t,
        &[
            "--format",
            "json",
            "db",
            "makemigrations",
            "-m",
            "empty",
            "--empty",
        ],
    );
    let j = json_made.ok().json();
    for side in ["up", "down"] {
        let p = j[side].as_str().unwrap_or_default().to_string();
        assert!(p.starts_with("migrations/") && s.path(&p).is_file(), "{p}");
    }

    host_words_only(&[
        &made, &migrate, &check, &price, &clean, &history, &json, &modified, &from_sub, &down,
        &broken, &no_down, &json_made,
    ]);
    assert_no_canary(&[&made, &check, &history, &modified, &broken]);
    let dir = s.dir.path().display().to_string();
    snapshot_settings(&[(&dir, "[PROJECT]"), (&s.name, "[NAME]")]).bind(|| {
        insta::assert_snapshot!("admin_working_tree", t.text());
    });
}

/// A minimal project: no bind mounts, no x-admin, no shadow server; the project folder
/// belongs to a non-root user who runs admin. The pair is theirs; a folder they cannot write
/// is refused before the migrator runs, with the command that fixes it.
#[test]
fn pairs_are_written_as_the_caller_without_any_mount() {
    let Some(images) = images() else { return };
    let mut s = Stack::new(images, "own");
    s.write(
        "compose.yaml",
        "services:\n  db:\n    image: ${DB_IMAGE}\n    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n      POSTGRES_DB: app\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -q -h 127.0.0.1 -U app -d app\"]\n      interval: 1s\n      retries: 60\n  api:\n    image: ${API_IMAGE}\n    depends_on:\n      db:\n        condition: service_healthy\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n",
    );
    s.files = vec!["compose.yaml".into()];
    s.env.remove("SHADOW_DATABASE_URL");
    s.env.insert("COMPOSE_PROJECT_NAME".into(), s.name.clone());
    s.write_env();
    s.write(
        "schema.sql",
        "CREATE TABLE notes (id int PRIMARY KEY, body text);\n",
    );

    // Root runs it as uid 4321 (with the docker group); anyone else runs it as themselves.
    let root = rustix::process::getuid().is_root();
    let (uid, gid) = if root {
        (4321, 4321)
    } else {
        (
            rustix::process::getuid().as_raw(),
            rustix::process::getgid().as_raw(),
        )
    };
    let as_user = |args: &[&str]| -> Out {
        let admin = env!("CARGO_BIN_EXE_admin");
        let run = if root {
            let docker_gid = std::fs::metadata("/var/run/docker.sock")
                .map(|m| m.gid())
                .unwrap_or(0);
            Run::bin("setpriv")
                .args([
                    "--reuid",
                    &uid.to_string(),
                    "--regid",
                    &gid.to_string(),
                    "--groups",
                    &docker_gid.to_string(),
                    admin,
                ])
                .env("HOME", s.dir.path())
        } else {
            Run::bin(admin)
        };
        run.args(args)
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("POSTGRES_PASSWORD")
            .current_dir(s.dir.path())
            .run()
    };
    if root {
        sh(s.dir.path(), "chown", &["-R", &format!("{uid}:{gid}"), "."]);
    }
    as_user(&["--up", "db", "current"]).ok();
    let made = as_user(&["db", "makemigrations", "-m", "notes"]);
    made.ok()
        .stdout_has("migrations/")
        .stdout_has("_notes.up.sql");
    let mig = s.path("migrations");
    let owners: Vec<(u32, u32)> = files_in(&mig)
        .iter()
        .filter_map(|f| std::fs::metadata(mig.join(f)).ok())
        .map(|m| (m.uid(), m.gid()))
        .collect();
    assert_eq!(owners, vec![(uid, gid), (uid, gid)]);
    as_user(&["db", "migrate"])
        .ok()
        .stderr_has("Applied 1 migration");
    as_user(&["db", "history"])
        .ok()
        .stdout_has("notes")
        .stdout_has("applied");

    // A folder the caller cannot write (a container wrote it as root through a mount, say).
    if root {
        sh(s.dir.path(), "chown", &["0:0", "migrations"]);
        sh(s.dir.path(), "chmod", &["755", "migrations"]);
        s.write(
            "schema.sql",
            "CREATE TABLE notes (id int PRIMARY KEY, body text, tag text);\n",
        );
        let before = files_in(&mig);
        let denied = as_user(&["db", "makemigrations", "-m", "tag"]);
        denied
            .code(1)
            .stderr_has("cannot write the migration pair into migrations")
            .stderr_has("the folder belongs to 0:0")
            .stderr_has(&format!(
                "hint: take it back: sudo chown -R {uid}:{gid} migrations"
            ));
        assert_eq!(files_in(&mig), before, "nothing was written");
        host_words_only(&[&made, &denied]);
    }
}

/// `--files image` / `x-admin: {files: image}`: the files baked into the API image, for
/// production images that `COPY migrations/`; the working tree is ignored then.
#[test]
fn image_files_mode_uses_the_migrations_baked_into_the_image() {
    let Some(images) = images() else { return };
    let mut s = Stack::new(images, "img");
    // An image that bakes two migrations and a schema in.
    let ctx = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let bake = ctx.path();
    let write = |rel: &str, body: &str| {
        let p = bake.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).ok();
        }
        if let Err(e) = std::fs::write(&p, body) {
            panic!("{}: {e}", p.display());
        }
    };
    write(
        "migrations/20260101000000_baked.up.sql",
        "CREATE TABLE baked (id int);\n",
    );
    write(
        "migrations/20260101000000_baked.down.sql",
        "DROP TABLE baked;\n",
    );
    write(
        "migrations/20260102000000_more.up.sql",
        "CREATE TABLE more (id int);\n",
    );
    write(
        "migrations/20260102000000_more.down.sql",
        "DROP TABLE more;\n",
    );
    write(
        "schema.sql",
        "CREATE TABLE baked (id int);\nCREATE TABLE more (id int);\n",
    );
    write(
        "Dockerfile",
        &format!(
            "FROM {}\nCOPY migrations /app/migrations\nCOPY schema.sql /app/schema.sql\n",
            images.api
        ),
    );
    let tag = format!("admin-api-baked:{}", s.name);
    sh(bake, "docker", &["build", "-q", "-t", &tag, "."]);
    struct Untag(String);
    impl Drop for Untag {
        fn drop(&mut self) {
            let _ = Command::new("docker").args(["rmi", "-f", &self.0]).output();
        }
    }
    let _untag = Untag(tag.clone());

    s.write(
        "compose.yaml",
        "x-admin:\n  files: image\nservices:\n  db:\n    image: ${DB_IMAGE}\n    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n      POSTGRES_DB: app\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -q -h 127.0.0.1 -U app -d app\"]\n      interval: 1s\n      retries: 60\n  api:\n    image: ${API_IMAGE}\n    depends_on:\n      db:\n        condition: service_healthy\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n      SCHEMA_FILE: /app/schema.sql\n",
    );
    s.files = vec!["compose.yaml".into()];
    s.env.insert("API_IMAGE".into(), tag.clone());
    s.env.insert("COMPOSE_PROJECT_NAME".into(), s.name.clone());
    s.write_env();
    // The working tree has something else: it must not be used in image mode.
    s.add_migration(
        "20260103000000_local_only",
        "CREATE TABLE local_only (id int);",
        "DROP TABLE local_only;",
    );

    let mut t = Transcript::default();
    let run = |t: &mut Transcript, args: &[&str]| {
        let out = s.admin().args(args).run();
        t.add(&format!("admin {}", args.join(" ")), &out);
        out
    };
    s.admin().args(["--up", "db", "current"]).run().ok();
    let history = run(&mut t, &["db", "history"]);
    history.ok().stdout_has("baked").stdout_has("more");
    assert!(!history.stdout.contains("local only"), "{}", history.stdout);
    let migrate = run(&mut t, &["db", "migrate"]);
    migrate.ok().stderr_has("Applied 2 migrations");
    let json = s.admin().args(["--format", "json", "db", "history"]).run();
    assert_eq!(
        json.ok().json_column("file"),
        [
            "image:/app/migrations/20260101000000_baked.up.sql",
            "image:/app/migrations/20260102000000_more.up.sql"
        ]
    );
    // --check compares the image's schema with the image's migrations.
    let check = run(&mut t, &["db", "makemigrations", "--check"]);
    check.ok().stderr_has("No changes detected");
    // Generating needs the working tree.
    let refused = run(&mut t, &["db", "makemigrations", "-m", "x"]);
    refused.code(2).stderr_has(
        "hint: run it with the working tree's files: admin --files host db makemigrations",
    );
    // --files host overrides x-admin: the working tree's extra migration is pending.
    let host = run(&mut t, &["--files", "host", "db", "history"]);
    host.ok().stdout_has("local only");
    assert_eq!(
        s.psql("db", "app", "SELECT count(*) FROM baked").trim(),
        "0"
    );

    snapshot_settings(&[(&s.name, "[NAME]")]).bind(|| {
        insta::assert_snapshot!("admin_image_files", t.text());
    });
}

/// The bundle's limits (count and total size) are named with the way out, before anything
/// runs in the container.
#[test]
fn bundle_limits_are_named_before_anything_runs() {
    let Some(images) = images() else { return };
    let mut s = Stack::new(images, "lim");
    s.write(
        "compose.yaml",
        "services:\n  api:\n    image: ${API_IMAGE}\n",
    );
    s.files = vec!["compose.yaml".into()];
    s.env.insert("COMPOSE_PROJECT_NAME".into(), s.name.clone());
    s.write_env();
    let max = protocol::bundle::MAX_FILES;
    for i in 0..=max {
        s.write(
            &format!("migrations/{}_m.up.sql", 20260101000000_i64 + i as i64),
            "",
        );
    }
    let many = s.admin().args(["db", "history"]).run();
    many.code(7)
        .stderr_has(&format!("holds {} .sql files; at most {max}", max + 1))
        .stderr_has("hint: ");
    for i in 0..=max {
        let p = s.path(&format!(
            "migrations/{}_m.up.sql",
            20260101000000_i64 + i as i64
        ));
        std::fs::remove_file(p).ok();
    }
    let big = vec![b'-'; protocol::bundle::MAX_BYTES as usize + 1];
    if let Err(e) = std::fs::write(s.path("migrations/1_big.up.sql"), big) {
        panic!("{e}");
    }
    let large = s.admin().args(["db", "history"]).run();
    large
        .code(7)
        .stderr_has("at most 67108864 bytes can be sent")
        .stderr_has("hint: ");
    // Nothing was started for it.
    let ps = s.compose().args(["ps", "-q"]).output();
    assert!(ps.is_ok_and(|o| o.stdout.is_empty()));
}
