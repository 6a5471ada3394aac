//! `--database-url-env VAR` (what `admin --database NAME` passes): the URL comes from VAR, it
//! wins over DATABASE_URL, and a missing VAR is named, with its value never shown.

use crate::common::Project;

#[tokio::test]
async fn the_url_comes_from_the_named_variable() {
    let p = Project::new().await;
    p.add(1, "init", "CREATE TABLE t (id int);", Some("DROP TABLE t;"));
    // DATABASE_URL points nowhere: only OTHER_DB_URL can have been used.
    p.migrator()
        .env("OTHER_DB_URL", p.url.as_str())
        .env("DATABASE_URL", "postgres://nobody:x@127.0.0.1:1/none")
        .args(["--database-url-env", "OTHER_DB_URL", "migrate"])
        .run()
        .ok();
    assert_eq!(p.recorded().await, vec![1]);

    let missing = p
        .migrator()
        .env_remove("OTHER_DB_URL")
        .args(["--database-url-env", "OTHER_DB_URL", "history"])
        .run();
    missing
        .code(2)
        .stderr_has("OTHER_DB_URL is not set")
        .stderr_has("hint: set OTHER_DB_URL=postgres://");
    assert!(!missing.all().contains(p.url.as_str()), "{}", missing.all());
}
