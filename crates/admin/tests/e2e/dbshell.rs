//! `admin db dbshell`: psql in the database service's container, connected with the API
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
