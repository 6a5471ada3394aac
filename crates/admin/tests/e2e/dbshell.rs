//! `admin db dbshell` (and pull, drift, baseline, squash through the container): psql in the database service's container, connected with the API
//! service's DATABASE_URL (never printed), piped or with arguments; the exit status passes
//! through; a service without psql gets 127 and what to do.

use super::{Stack, assert_no_canary, images};

#[test]
fn dbshell_runs_psql_in_the_database_container() {
    let Some(images) = images() else { return };
    let s = Stack::reference(images, "dbsh");

    // Nothing runs: db (the service DATABASE_URL's host names) is created, then psql runs
    // there with the script on stdin.
    let piped = s
        .admin()
        .args(["db", "dbshell", "--", "-At"])
        .stdin_bytes(b"select 40 + 2;\n")
        .run();
    piped.ok().stdout_has("42");
    assert_eq!(
        s.services()
            .iter()
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>(),
        vec!["db"],
        "only the database service was started"
    );

    let who = s
        .admin()
        .args([
            "-v",
            "db",
            "dbshell",
            "--",
            "-At",
            "-c",
            "select current_user, current_database()",
        ])
        .run();
    who.ok()
        .stdout_has("app|app")
        .stderr_has("psql in container")
        .stderr_has("connection from the api service's DATABASE_URL");

    // psql's own failure: its exit status, its message.
    let failed = s
        .admin()
        .args([
            "db",
            "dbshell",
            "--",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "select 1/0",
        ])
        .run();
    failed.code(1).stderr_has("division by zero");

    // A "database service" without psql (the api image): 127 and the way out.
    let compose = std::fs::read_to_string(s.path("compose/docker-compose.yml")).unwrap_or_default();
    s.write(
        "compose/docker-compose.yml",
        &compose.replace("x-admin:\n", "x-admin:\n  db_service: api\n"),
    );
    let no_psql = s
        .admin()
        .args(["db", "dbshell", "--", "-c", "select 1"])
        .run();
    no_psql
        .code(127)
        .stderr_has("cannot run psql in the api service's container")
        .stderr_has("x-admin: {db_service: NAME}");
    assert_no_canary(&[&piped, &who, &failed, &no_psql]);
}

/// `pull` writes the file on the host (never over one without --force); `graph` draws
/// schema.sql and the live database, printed or written on the host; `drift` sees a change
/// made by hand through dbshell, and its absence.
#[test]
fn pull_and_drift_through_the_container() {
    let Some(images) = images() else { return };
    let s = Stack::reference(images, "pull");
    s.add_migration(
        "20260101000000_items",
        "CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n",
        "DROP TABLE items;\n",
    );
    s.admin().args(["db", "migrate"]).run().ok();
    s.admin()
        .args(["db", "drift"])
        .run()
        .ok()
        .stderr_has("No drift");

    // schema.sql exists (the reference one): refused before anything runs, file unchanged.
    let before = std::fs::read(s.path("schema.sql")).unwrap_or_default();
    let refused = s.admin().args(["db", "pull"]).run();
    refused
        .code(7)
        .stderr_has("schema.sql exists; nothing was written")
        .stderr_has("admin db pull --force");
    assert_eq!(
        std::fs::read(s.path("schema.sql")).unwrap_or_default(),
        before
    );

    let pulled = s.admin().args(["db", "pull", "-o", "pulled.sql"]).run();
    pulled.ok().stdout_has("pulled.sql").stderr_has("proven");
    let text = std::fs::read_to_string(s.path("pulled.sql")).unwrap_or_default();
    assert!(text.contains("CREATE TABLE public.items"), "{text}");
    let mine = rustix::process::getuid().as_raw();
    let meta = std::fs::metadata(s.path("pulled.sql"));
    assert!(
        meta.is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == mine),
        "written on the host, as the caller"
    );

    // graph: schema.sql (sent from the working tree) drawn in the container, the diagram
    // printed here as data or written here as the caller (-o, relative to the current folder;
    // never over a file without --force); --from-database draws the live one.
    s.write(
        "schema.sql",
        "CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n\
         CREATE TABLE tags (item_id bigint NOT NULL REFERENCES items (id), label character varying(20) NOT NULL, PRIMARY KEY (item_id, label));\n",
    );
    let graph = s.admin().args(["db", "graph"]).run();
    graph
        .ok()
        .stdout_has("erDiagram\n")
        .stdout_has("    items {\n        bigint id PK\n")
        .stdout_has("        varchar_20 label PK\n")
        .stdout_has("    items ||--o{ tags : \"tags_item_id_fkey\"");
    let written = s
        .admin()
        .args(["db", "graph", "--to", "svg", "-o", "er.svg"])
        .run();
    written
        .ok()
        .stdout_has("er.svg")
        .stderr_has("Wrote the ER diagram of schema.sql");
    let svg = std::fs::read_to_string(s.path("er.svg")).unwrap_or_default();
    assert!(svg.contains("data-table=\"public.tags\""), "{svg}");
    let meta = std::fs::metadata(s.path("er.svg"));
    assert!(
        meta.is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == mine),
        "written on the host, as the caller"
    );
    s.admin()
        .args(["db", "graph", "-o", "er.svg"])
        .run()
        .code(7)
        .stderr_has("er.svg exists; nothing was written")
        .stderr_has("admin db graph -o er.svg --force");
    assert_eq!(
        std::fs::read_to_string(s.path("er.svg")).unwrap_or_default(),
        svg
    );
    let live = s.admin().args(["db", "graph", "--from-database"]).run();
    live.ok().stdout_has("    items {");
    assert!(!live.stdout.contains("tags"), "{}", live.stdout);

    // A change by hand: drift names it and exits 1; JSON says so too.
    s.admin()
        .args([
            "db",
            "dbshell",
            "--",
            "-c",
            "ALTER TABLE items ADD COLUMN note text",
        ])
        .run()
        .ok();
    let drift = s.admin().args(["db", "drift"]).run();
    drift.code(1).stdout_has("note").stderr_has("has drifted");
    let json = s.admin().args(["--format", "json", "db", "drift"]).run();
    assert_eq!(json.code, 1, "{}", json.all());
    assert_eq!(json.json()["drifted"], true);

    // squash: the pair written on the host (as the caller) in place of the replaced files;
    // history sees it applied; the next migrate records it.
    s.add_migration(
        "20260102000000_tags",
        "CREATE TABLE tags (item_id bigint REFERENCES items (id), label text);\nCREATE INDEX tags_label ON tags (label);\n",
        "DROP TABLE tags;\n",
    );
    s.admin().args(["db", "migrate"]).run().ok();
    let squashed = s
        .admin()
        .args(["db", "squash", "20260102000000", "-m", "items and tags"])
        .run();
    squashed
        .ok()
        .stdout_has("migrations/20260102000000_items_and_tags.up.sql")
        .stderr_has("Removed 4 replaced file(s)")
        .stderr_has("migrations/20260101000000_items.up.sql");
    let mut files: Vec<String> = std::fs::read_dir(s.path("migrations"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    assert_eq!(
        files,
        [
            "20260102000000_items_and_tags.down.sql",
            "20260102000000_items_and_tags.up.sql"
        ]
    );
    let meta = std::fs::metadata(s.path("migrations/20260102000000_items_and_tags.up.sql"));
    assert!(meta.is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == mine));
    let history = s.admin().args(["db", "history"]).run();
    history
        .ok()
        .stdout_has("20260102000000  items and tags")
        .stdout_has("applied");
    assert!(!history.all().contains("missing"), "{}", history.all());
    s.admin()
        .args(["db", "migrate"])
        .run()
        .ok()
        .stderr_has("recorded squash 20260102000000 (items and tags)")
        .stderr_has("replaced 2 rows");
    let rows = s.psql(
        "db",
        "app",
        "SELECT version FROM _sqlx_migrations ORDER BY version",
    );
    assert_eq!(rows.trim(), "20260102000000");
    assert_no_canary(&[
        &refused, &pulled, &graph, &written, &live, &drift, &json, &squashed, &history,
    ]);
}

/// `baseline` through admin: a database made by hand is adopted — the pair written on the
/// host, recorded as applied (after it is written), no drift.
#[test]
fn baseline_adopts_a_database_made_by_hand() {
    let Some(images) = images() else { return };
    let s = Stack::reference(images, "base");
    s.admin()
        .args([
            "db",
            "dbshell",
            "--",
            "-c",
            "CREATE TABLE legacy (id int PRIMARY KEY, name text); INSERT INTO legacy VALUES (1, 'kept')",
        ])
        .run()
        .ok();
    let adopt = s
        .admin()
        .args(["db", "baseline", "-m", "adopt legacy"])
        .run();
    adopt
        .ok()
        .stdout_has("migrations/")
        .stdout_has("_adopt_legacy.up.sql");
    let up = std::fs::read_dir(s.path("migrations"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with("_adopt_legacy.up.sql"))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(up, 1);
    s.admin()
        .args(["db", "history"])
        .run()
        .ok()
        .stdout_has("applied")
        .stdout_has("<- current");
    s.admin()
        .args(["db", "drift"])
        .run()
        .ok()
        .stderr_has("No drift");
    let kept = s.psql("db", "app", "SELECT name FROM legacy");
    assert_eq!(kept.trim(), "kept");
    assert_no_canary(&[&adopt]);
}
