//! Several databases (`x-admin.databases`): `--database NAME` picks one, `--all-databases`
//! runs a command on each side by side with one combined report (text lines prefixed with the
//! database's name, or one JSON document) and one exit code; tenants share a folder, and a
//! command that writes files runs once for them.

use super::{Stack, assert_no_canary, images};
use testkit::{Transcript, snapshot_settings};

const DATABASES: &str = "x-admin:
  service: api
  migrations: ../migrations
  schema: ../schema.sql
  databases:
    main: {}
    analytics:
      url: ANALYTICS_DATABASE_URL
      migrations: ../analytics/migrations
    tenant_a: {url: TENANT_A_URL, migrations: ../tenants/migrations}
    tenant_b: {url: TENANT_B_URL, migrations: ../tenants/migrations}
";

fn setup(s: &mut Stack) {
    let compose = std::fs::read_to_string(s.path("compose/docker-compose.yml")).unwrap_or_default();
    let start = compose.find("x-admin:\n").unwrap_or(0);
    let end = compose.find("\nservices:").unwrap_or(start);
    let compose = format!("{}{DATABASES}{}", &compose[..start], &compose[end..]).replace(
        "      DATABASE_URL: ${DATABASE_URL:?DATABASE_URL is not set; copy .env.example to .env}\n",
        "      DATABASE_URL: ${DATABASE_URL:?DATABASE_URL is not set; copy .env.example to .env}\n      ANALYTICS_DATABASE_URL: ${ANALYTICS_DATABASE_URL}\n      TENANT_A_URL: ${TENANT_A_URL}\n      TENANT_B_URL: ${TENANT_B_URL}\n",
    );
    assert!(
        compose.contains("TENANT_B_URL: ${TENANT_B_URL}"),
        "{compose}"
    );
    s.write("compose/docker-compose.yml", &compose);
    let password = super::CANARY;
    for (var, db) in [
        ("ANALYTICS_DATABASE_URL", "analytics"),
        ("TENANT_A_URL", "tenant_a"),
        ("TENANT_B_URL", "tenant_b"),
    ] {
        s.env.insert(
            var.to_string(),
            format!("postgres://app:{password}@db:5432/{db}"),
        );
    }
    s.write_env();
    s.write(
        "schema.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n",
    );
    s.add_migration(
        "1_users",
        "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n",
        "DROP TABLE users;\n",
    );
    s.mkdir("analytics/migrations");
    s.write(
        "analytics/migrations/1_events.up.sql",
        "CREATE TABLE events (id bigint PRIMARY KEY, kind text);\n",
    );
    s.write(
        "analytics/migrations/1_events.down.sql",
        "DROP TABLE events;\n",
    );
    s.write(
        "analytics/schema.sql",
        "CREATE TABLE events (id bigint PRIMARY KEY, kind text);\n",
    );
    s.mkdir("tenants/migrations");
    s.write(
        "tenants/migrations/1_accounts.up.sql",
        "CREATE TABLE accounts (id bigint PRIMARY KEY);\n",
    );
    s.write(
        "tenants/migrations/1_accounts.down.sql",
        "DROP TABLE accounts;\n",
    );
    s.write(
        "tenants/schema.sql",
        "CREATE TABLE accounts (id bigint PRIMARY KEY);\n",
    );
}

fn tables(s: &Stack, db: &str) -> String {
    s.psql(
        "db",
        db,
        "select string_agg(tablename, ',' order by tablename) from pg_tables where schemaname = 'public' and tablename <> '_sqlx_migrations'",
    )
    .trim()
    .to_string()
}

#[test]
fn several_databases_one_by_name_or_all_side_by_side() {
    let Some(images) = images() else { return };
    let mut s = Stack::reference(images, "mdb");
    setup(&mut s);
    // tenant_b's database does not exist yet: its run fails, the others are applied.
    s.admin()
        .args([
            "db",
            "dbshell",
            "--",
            "-c",
            "CREATE DATABASE analytics",
            "-c",
            "CREATE DATABASE tenant_a",
        ])
        .run()
        .ok();
    let mut t = Transcript::default();
    let partial = s.admin().args(["--all-databases", "db", "migrate"]).run();
    t.add("admin --all-databases db migrate", &partial);
    partial
        .code(3)
        .stderr_has("tenant_b  | error: cannot connect")
        .stderr_has(
            "4 database(s), 1 failed: main ok, analytics ok, tenant_a ok, tenant_b failed (exit 3)",
        );
    assert_eq!(tables(&s, "app"), "users");
    assert_eq!(tables(&s, "analytics"), "events");
    assert_eq!(tables(&s, "tenant_a"), "accounts");

    s.admin()
        .args(["db", "dbshell", "--", "-c", "CREATE DATABASE tenant_b"])
        .run()
        .ok();
    let all = s.admin().args(["--all-databases", "db", "migrate"]).run();
    all.ok()
        .stderr_has("tenant_b  | ")
        .stderr_has("4 database(s), 0 failed");
    assert_eq!(tables(&s, "tenant_b"), "accounts");

    // One by name; without a name, the first declared (main).
    let analytics = s
        .admin()
        .args(["--database", "analytics", "db", "history"])
        .run();
    t.add("admin --database analytics db history", &analytics);
    analytics.ok().stdout_has("events").stdout_has("applied");
    let main = s.admin().args(["db", "history"]).run();
    main.ok().stdout_has("users");
    assert!(!main.all().contains("events"), "{}", main.all());
    let unknown = s
        .admin()
        .args(["--database", "nope", "db", "current"])
        .run();
    t.add("admin --database nope db current", &unknown);
    unknown
        .code(2)
        .stderr_has("there is no database `nope` in x-admin.databases (declared: main, analytics, tenant_a, tenant_b)")
        .stderr_has("hint: admin --database main");

    // JSON: one document, one entry per database.
    let json = s
        .admin()
        .args(["--all-databases", "--format", "json", "db", "current"])
        .run();
    json.ok();
    let doc = json.json();
    assert_eq!(doc["exit_code"], 0, "{doc}");
    let names: Vec<&str> = doc["databases"]
        .as_array()
        .map(|a| a.iter().filter_map(|d| d["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        ["main", "analytics", "tenant_a", "tenant_b"],
        "{doc}"
    );
    assert_eq!(doc["databases"][1]["url_var"], "ANALYTICS_DATABASE_URL");
    assert_eq!(doc["databases"][2]["output"][0]["version"], 1, "{doc}");

    // Tenants share one folder: makemigrations runs once for them, the others check theirs.
    s.write(
        "tenants/schema.sql",
        "CREATE TABLE accounts (id bigint PRIMARY KEY, plan text);\n",
    );
    let check = s
        .admin()
        .args(["--all-databases", "db", "makemigrations", "--check"])
        .run();
    t.add("admin --all-databases db makemigrations --check", &check);
    check
        .code(1)
        .stderr_has("tenant_b  | same files as tenant_a: covered by its run")
        .stderr_has("main ok, analytics ok, tenant_a failed (exit 1), tenant_b ok");
    let made = s
        .admin()
        .args(["--all-databases", "db", "makemigrations", "-m", "plan"])
        .run();
    made.ok();
    let mut files: Vec<String> = std::fs::read_dir(s.path("tenants/migrations"))
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    assert_eq!(files.len(), 4, "one new pair for both tenants: {files:?}");
    assert!(
        files.iter().any(|f| f.ends_with("_plan.up.sql")),
        "{files:?}"
    );
    s.admin()
        .args(["--all-databases", "db", "migrate"])
        .run()
        .ok();
    for db in ["tenant_a", "tenant_b"] {
        assert_eq!(
            s.psql(
                "db",
                db,
                "select count(*) from information_schema.columns where table_name = 'accounts' and column_name = 'plan'"
            )
            .trim(),
            "1",
            "{db}"
        );
    }
    // env_check checks every database's variable, where the migrator needs it.
    let env = s
        .admin()
        .args(["--format", "json", "db", "env_check"])
        .run();
    env.ok();
    let rows = env.json();
    for var in [
        "DATABASE_URL",
        "ANALYTICS_DATABASE_URL",
        "TENANT_A_URL",
        "TENANT_B_URL",
    ] {
        let row = rows["variables"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["name"] == var))
            .cloned()
            .unwrap_or_default();
        assert_eq!(row["status"], "ok", "{var}: {rows}");
    }
    // Commands that are not per database are refused with --all-databases.
    let shell = s.admin().args(["--all-databases", "db", "dbshell"]).run();
    shell
        .code(2)
        .stderr_has("`db dbshell` works on one database at a time");
    assert_no_canary(&[
        &partial, &all, &analytics, &json, &check, &made, &env, &shell,
    ]);
    let dir = s.dir.path().display().to_string();
    snapshot_settings(&[(&dir, "[PROJECT]"), (&s.name, "[NAME]")]).bind(|| {
        insta::assert_snapshot!("admin_databases", t.text());
    });
}
