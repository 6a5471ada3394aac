//! What users read, whole: the full stdout/stderr of the migrator's main success and error
//! paths (snapshots), and the protocol admin speaks to it (`--bundle --protocol`: the files on
//! stdin, one JSON message per line back, nothing written in the container).

use protocol::bundle::{Bundle, BundleFile, SchemaFile};
use protocol::message::Message;
use protocol::results::Outcome;
use testkit::{Transcript, snapshot_settings};

use super::autogen::{SCHEMA, schema};
use crate::common::{Out, Project};

fn run(p: &Project, t: &mut Transcript, args: &[&str]) -> Out {
    let out = p.migrator().args(args).run();
    t.add(&format!("migrator {}", args.join(" ")), &out);
    out
}

#[tokio::test]
async fn what_the_migrator_prints() {
    let p = Project::new().await;
    let mut t = Transcript::default();
    schema(&p, SCHEMA);
    run(&p, &mut t, &["makemigrations", "-m", "create users"]).ok();
    run(&p, &mut t, &["migrate"]).ok();
    run(&p, &mut t, &["history"]).ok();
    run(&p, &mut t, &["--format", "json", "history"]).ok();
    run(&p, &mut t, &["current"]).ok();
    run(&p, &mut t, &["makemigrations", "--check"]).ok();
    schema(
        &p,
        &format!("{SCHEMA}CREATE INDEX users_email_lower ON users (lower(email));\n"),
    );
    run(&p, &mut t, &["makemigrations", "--check"]).code(1);
    run(
        &p,
        &mut t,
        &["--format", "json", "makemigrations", "--check"],
    )
    .code(1);
    p.add(
        20990101000000,
        "broken",
        "CREATE TABLE half (id int);\nSELECT * FROM missing_table;\n",
        Some("DROP TABLE half;"),
    );
    run(&p, &mut t, &["migrate"]).code(5);
    p.write(
        "20990101000000_broken.up.sql",
        "CREATE TABLE half (id int);\nCOMMIT;\n",
    );
    run(&p, &mut t, &["migrate"]).code(7);
    std::fs::remove_file(p.migrations().join("20990101000000_broken.up.sql")).ok();
    std::fs::remove_file(p.migrations().join("20990101000000_broken.down.sql")).ok();
    run(&p, &mut t, &["sqlmigrate", "42"]).code(7);
    run(&p, &mut t, &["downgrade", "-3"]).code(7);
    let first = p.files().into_iter().find(|f| f.ends_with(".up.sql"));
    let first = first.unwrap_or_default();
    let body = std::fs::read_to_string(p.migrations().join(&first)).unwrap_or_default();
    p.write(&first, &format!("{body}-- edited after it ran\n"));
    run(&p, &mut t, &["migrate"]).code(6);
    p.write(&first, &body);
    schema(&p, "CREATE TABLE users (id int,\n  email text NOT NUL);\n");
    run(&p, &mut t, &["makemigrations", "--check"]).code(7);
    run(&p, &mut t, &["downgrade"]).ok();
    run(&p, &mut t, &["migrate", "--plan"]).ok();
    run(
        &p,
        &mut t,
        &["--format", "json", "migrate", "head", "--plan"],
    )
    .ok();
    run(&p, &mut t, &["migrate", "+0"]).code(2);
    let no_url = p.migrator().env_remove("DATABASE_URL").arg("history").run();
    t.add("migrator history   # without DATABASE_URL", &no_url);
    no_url.code(2);

    let dir = p.dir.path().display().to_string();
    snapshot_settings(&[(&dir, "[DIR]")]).bind(|| {
        insta::assert_snapshot!("migrator_paths", t.text());
    });
}

fn bundle(p: &Project, with_schema: Option<&str>) -> Vec<u8> {
    let mut migrations: Vec<BundleFile> = p
        .files()
        .into_iter()
        .map(|name| BundleFile {
            bytes: std::fs::read(p.migrations().join(&name)).unwrap_or_default(),
            name,
        })
        .collect();
    migrations.sort_by(|a, b| a.name.cmp(&b.name));
    let b = Bundle {
        version: protocol::bundle::VERSION,
        migrations_dir: "host/migrations".into(),
        migrations,
        schema: with_schema.map(|s| SchemaFile {
            shown: "host/schema.sql".into(),
            explicit: false,
            given_by: None,
            bytes: Some(s.as_bytes().to_vec()),
        }),
    };
    match b.to_json() {
        Ok(j) => j,
        Err(e) => panic!("{e}"),
    }
}

fn messages(out: &Out) -> Vec<Message> {
    out.stdout
        .lines()
        .map(|l| match serde_json::from_str::<Message>(l) {
            Ok(m) => m,
            Err(e) => panic!("not a protocol message ({e}): {l}\n{}", out.stdout),
        })
        .collect()
}

/// admin's side of the exec: the files on stdin, messages back, nothing written by the
/// migrator; the folder the container sees (MIGRATIONS_DIR) is ignored.
#[tokio::test]
async fn the_protocol_carries_files_in_and_results_out() {
    let p = Project::new().await;
    // The container's own folder holds something else: it must not be read.
    p.add(
        1,
        "container_only",
        "CREATE TABLE nope ();",
        Some("DROP TABLE nope;"),
    );
    let host = Project::new().await;
    host.add(
        20260101000000,
        "users",
        "CREATE TABLE users (id int);\r\n",
        Some("DROP TABLE users;\r\n"),
    );
    let proto = |args: &[&str], stdin: Vec<u8>| {
        p.migrator()
            .args(["--bundle", "--protocol"])
            .args(args)
            .stdin_bytes(&stdin)
            .run()
    };

    let migrate = proto(&["migrate"], bundle(&host, None));
    migrate.ok();
    assert!(
        migrate.stderr.is_empty(),
        "everything is a message: {}",
        migrate.stderr
    );
    assert_eq!(p.recorded().await, vec![20260101000000]);
    assert!(p.table_exists("users").await && !p.table_exists("nope").await);

    let history = proto(&["history"], bundle(&host, None));
    let msgs = messages(history.ok());
    let rows = msgs.iter().find_map(|m| match m {
        Message::Result {
            outcome: Outcome::History { rows, .. },
        } => Some(rows.clone()),
        _ => None,
    });
    let rows = rows.unwrap_or_else(|| panic!("no history result: {}", history.stdout));
    assert_eq!(rows.len(), 1);
    let file = rows[0].file.clone().unwrap_or_else(|| panic!("no file"));
    assert_eq!(file.name, "20260101000000_users.up.sql");
    assert_eq!(file.shown, "host/migrations/20260101000000_users.up.sql");

    // makemigrations: the pair comes back as data; nothing appears in either folder.
    let before = p.files();
    let made = proto(
        &["makemigrations", "-m", "add email"],
        bundle(&host, Some("CREATE TABLE users (id int, email text);\n")),
    );
    let generated = messages(made.ok()).into_iter().find_map(|m| match m {
        Message::Result {
            outcome: Outcome::Generated { up, down, .. },
        } => Some((up, down)),
        _ => None,
    });
    let (up, down) = generated.unwrap_or_else(|| panic!("no pair: {}", made.stdout));
    assert!(up.name.ends_with("_add_email.up.sql"), "{}", up.name);
    assert!(up.text.contains("ADD COLUMN email text"), "{}", up.text);
    assert!(down.text.contains("DROP COLUMN email"), "{}", down.text);
    assert!(
        !up.text.contains("migrator "),
        "program-neutral: {}",
        up.text
    );
    assert_eq!(p.files(), before);
    assert_eq!(host.files().len(), 2);

    // An error is a structured diagnostic naming the file by its host name.
    host.write(
        "20260101000000_users.up.sql",
        "CREATE TABLE users (id int);\n",
    );
    let modified = proto(&["migrate"], bundle(&host, None));
    modified.code(6);
    let diag = messages(&modified).into_iter().find_map(|m| match m {
        Message::Error { diagnostic } => Some(diagnostic),
        _ => None,
    });
    let diag = diag.unwrap_or_else(|| panic!("no diagnostic: {}", modified.stdout));
    assert_eq!(diag.kind, "modified");
    assert_eq!(diag.code, 6);
    assert!(
        modified
            .stdout
            .contains("\"name\":\"20260101000000_users.up.sql\"")
    );

    // A broken or foreign bundle is refused with exit 7 and nothing runs.
    let bad = proto(&["migrate"], b"{not json".to_vec());
    bad.code(7);
    assert!(bad.stdout.contains("bundle"), "{}", bad.stdout);
    let mut future =
        serde_json::from_slice::<serde_json::Value>(&bundle(&host, None)).unwrap_or_default();
    future["version"] = serde_json::json!(99);
    let newer = proto(&["migrate"], future.to_string().into_bytes());
    newer.code(7);
    assert!(
        newer.stdout.contains("format version 99"),
        "{}",
        newer.stdout
    );
    assert_eq!(p.recorded().await, vec![20260101000000]);
}
