//! The independent oracle of the schema diff tests: run SQL, `pg_dump --schema-only` and
//! normalise the dump; plus the generation entry point the cases use (the real pipeline:
//! shadow databases, introspection, diff, lint, round-trip proof).

use std::path::PathBuf;

use migrator::files::LocalMigration;
use migrator::schema::generate::{Request, generate};
use migrator::schema::lint;

use crate::common::pg;

/// Generates (up with its `-- WARNING:` lines, down) for migrations → schema.
pub async fn generate_pair(
    migrations: &[&str],
    schema: &str,
    verify: bool,
) -> Result<(String, String), String> {
    let migrations: Vec<LocalMigration> = migrations
        .iter()
        .enumerate()
        .map(|(i, sql)| LocalMigration {
            replaces: Vec::new(),
            version: i as i64 + 1,
            description: format!("m{i}"),
            up_path: PathBuf::from(format!("{}_m{i}.up.sql", i + 1)),
            up_sql: sql.to_string(),
            checksum: Vec::new(),
            down_path: None,
            down_sql: None,
            reversible: true,
        })
        .collect();
    let url = pg::cluster().url("postgres");
    let request = Request {
        url: &url,
        pgpassword: None,
        migrations: &migrations,
        schema_path: "after.sql",
        schema_sql: schema,
        verify,
        strict: false,
        cache: true,
    };
    let outcome = generate(&request).await.map_err(|e| e.to_string())?;
    if outcome.plan.is_empty() {
        return Ok((String::new(), String::new()));
    }
    Ok((
        format!(
            "{}{}",
            lint::header(&outcome.plan.hazards()),
            outcome.plan.up_sql()
        ),
        outcome.plan.down_sql(),
    ))
}

/// Runs a script on a database.
pub async fn exec(url: &str, sql: &str) -> Result<(), String> {
    let mut c = pg::connect(url).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut c)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub async fn drop_db(url: &str) {
    let name = url.rsplit('/').next().unwrap_or_default().to_string();
    let mut c = pg::cluster().connect("postgres").await;
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut c)
        .await
    {
        panic!("drop {name}: {e}");
    }
}

/// `pg_dump --schema-only --no-owner` (privileges included), normalised: comment, SET,
/// `\restrict` and blank lines removed; statements sorted; the column lines of every
/// CREATE TABLE sorted (column order is not compared).
pub fn normalized_dump(url: &str) -> Result<Vec<String>, String> {
    let bin = pg::cluster()
        .bin_dir
        .clone()
        .map(|b| b.join("pg_dump"))
        .unwrap_or_else(|| PathBuf::from("pg_dump"));
    let out = std::process::Command::new(&bin)
        .args(["--schema-only", "--no-owner", "-d", url])
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(normalize(&String::from_utf8_lossy(&out.stdout)))
}

pub fn normalize(dump: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut block: Vec<String> = Vec::new();
    for line in dump.lines() {
        let t = line.trim_end();
        if t.is_empty()
            || t.starts_with("--")
            || t.starts_with("SET ")
            || t.starts_with('\\')
            || t.starts_with("SELECT pg_catalog.set_config")
        {
            continue;
        }
        block.push(t.to_string());
        if t.ends_with(';') && !in_dollar_body(&block) {
            blocks.push(finish(std::mem::take(&mut block)));
        }
    }
    if !block.is_empty() {
        blocks.push(finish(block));
    }
    blocks.sort();
    blocks
}

/// Whether the block so far has an unterminated `$tag$` body.
fn in_dollar_body(block: &[String]) -> bool {
    let text = block.join("\n");
    text.matches("$_$").count() % 2 == 1
        || text.matches("$$").count() % 2 == 1
        || text.matches("$function$").count() % 2 == 1
}

fn finish(block: Vec<String>) -> String {
    if block
        .first()
        .is_some_and(|l| l.starts_with("CREATE TABLE "))
        && block.len() > 2
    {
        let (head, rest) = block.split_at(1);
        let (cols, tail) = rest.split_at(rest.len() - 1);
        let mut cols: Vec<String> = cols
            .iter()
            .map(|c| c.trim_end_matches(',').to_string())
            .collect();
        cols.sort();
        return format!("{}\n{}\n{}", head[0], cols.join(",\n"), tail[0]);
    }
    block.join("\n")
}

/// The blocks only in one dump or the other.
pub fn show_diff(got: &[String], want: &[String]) -> String {
    let mut out = String::new();
    for b in got.iter().filter(|b| !want.contains(b)) {
        out.push_str(&format!("- only in migrated:\n{b}\n"));
    }
    for b in want.iter().filter(|b| !got.contains(b)) {
        out.push_str(&format!("+ only in expected:\n{b}\n"));
    }
    out
}

#[test]
fn normalize_ignores_noise_order_and_column_order() {
    let a = "--\n-- Name: t\n--\nSET x = 1;\n\nCREATE TABLE public.t (\n    a integer,\n    b text\n);\n\nCREATE INDEX i ON public.t USING btree (a);\n";
    let b = "CREATE INDEX i ON public.t USING btree (a);\nCREATE TABLE public.t (\n    b text,\n    a integer\n);\n";
    assert_eq!(normalize(a), normalize(b));
    let c = "CREATE TABLE public.t (\n    a bigint,\n    b text\n);\n";
    assert_ne!(normalize(a), normalize(c));
}
