//! `squash` on every real history of at least 3 migrations, with the real binary: the
//! exported folder's first migrations (1..=TO, TO about the middle, no `-- no-transaction`
//! migration inside) are squashed; a database that applied the old files (D1) must see the
//! squash as applied (`history`: every row applied), record it on its next `migrate`
//! (`_sqlx_migrations`: one row for TO with the checksum of the new up file, none for the other
//! replaced versions) and find no drift; a new database migrated from the squashed folder (D2)
//! must have the same schema as D1 (the pg_dump oracle). Default mode first; `--concat` when
//! the range holds a data statement.

use std::path::Path;

use sha2::{Digest, Sha384};

use super::checks::{Outcome, Prepared};
use super::drift::{first, migrator};
use super::projects::History;
use crate::common::pg;
use crate::schema_diff::oracle;

fn fail(reason: impl Into<String>, detail: impl Into<String>) -> Outcome {
    Outcome::Fail {
        reason: reason.into(),
        detail: detail.into(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// TO (1-based, FROM is 1): the migration at the middle of the history (at least 2), moved
/// down before the first `-- no-transaction` migration of that prefix. Err: no range of at
/// least 2 migrations without one.
pub fn range(h: &History) -> Result<usize, String> {
    let n = h.migrations.len();
    if n < 3 {
        return Err(format!("{n} migration(s): nothing to squash"));
    }
    let mid = (n / 2).max(2);
    let to = h.migrations[..mid]
        .iter()
        .position(|m| migrator::files::is_no_tx(&m.sql))
        .unwrap_or(mid);
    if to < 2 {
        return Err(format!(
            "migration {} ({}) is a no-transaction migration: no range of 2 before it",
            to + 1,
            h.migrations[to].name
        ));
    }
    Ok(to)
}

/// Squash 1..=TO of the exported folder; D1 (old files applied) adopts it, D2 (new folder)
/// equals D1. Both databases are dropped on every path.
pub async fn squash(prep: &Prepared) -> Outcome {
    let to = match range(&prep.history) {
        Ok(to) => to,
        Err(e) => return Outcome::Refused(e),
    };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return fail(format!("tempdir: {e}"), ""),
    };
    if let Err(e) = prep.export(dir.path()) {
        return fail(first(&e), e);
    }
    let d1 = pg::cluster().create_db().await;
    let d2 = pg::cluster().create_db().await;
    let outcome = steps(dir.path(), to, &d1, &d2).await;
    oracle::drop_db(&d1).await;
    oracle::drop_db(&d2).await;
    outcome
}

/// The up files of the folder by version: (file name, contents).
fn ups(dir: &Path) -> Result<Vec<(i64, String, String)>, String> {
    let folder = dir.join("migrations");
    let entries = std::fs::read_dir(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", folder.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(version) = name
            .split_once('_')
            .and_then(|(v, _)| v.parse::<i64>().ok())
        else {
            continue;
        };
        if name.ends_with(".up.sql") {
            let sql = std::fs::read_to_string(entry.path())
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
            out.push((version, name, sql));
        } else {
            // Down files are checked by name only.
            out.push((version, name, String::new()));
        }
    }
    out.sort();
    Ok(out)
}

/// The first `caused by:` line of a diagnostic, else its first `error` line, else its first
/// line.
fn cause(err: &str) -> String {
    err.lines()
        .find_map(|l| l.trim().strip_prefix("caused by:"))
        .or_else(|| err.lines().find(|l| l.starts_with("error")))
        .map_or_else(|| first(err), |l| l.trim().to_string())
}

/// The normalised dump without `_sqlx_migrations` (the bookkeeping stays after a downgrade).
fn dump_without_bookkeeping(url: &str) -> Result<Vec<String>, String> {
    Ok(oracle::normalized_dump(url)?
        .into_iter()
        .filter(|b| !b.contains("_sqlx_migrations"))
        .collect())
}

/// The old files on the fresh database `url`: `migrate TO`, then `downgrade base` must succeed
/// and come back to an empty database's schema. Err: how the project's downs fall short.
async fn own_downs(dir: &Path, url: &str, to: usize) -> Result<(), String> {
    let (code, _, err) = migrator(dir, url, &["migrate", &to.to_string()]).await?;
    if code != 0 {
        return Err(format!("migrate {to} exit {code}: {}", cause(&err)));
    }
    let (code, _, err) = migrator(dir, url, &["downgrade", "base"]).await?;
    if code != 0 {
        return Err(format!("downgrade base exit {code}: {}", cause(&err)));
    }
    let empty = pg::cluster().create_db().await;
    let want = dump_without_bookkeeping(&empty);
    oracle::drop_db(&empty).await;
    let got = dump_without_bookkeeping(url)?;
    let want = want?;
    if got != want {
        let left: Vec<&str> = got
            .iter()
            .filter(|b| !want.contains(b))
            .filter_map(|b| {
                b.lines()
                    .find(|l| !l.starts_with("--") && !l.trim().is_empty())
            })
            .collect();
        return Err(format!(
            "downgrade base leaves {} statement(s) of difference, e.g. {}",
            left.len()
                .max(want.iter().filter(|b| !got.contains(b)).count()),
            left.first().copied().unwrap_or("(missing objects)")
        ));
    }
    Ok(())
}

/// Where squash's refusal found a data statement and which: `file:line:col (WHAT at line N)`.
fn data_line(err: &str) -> String {
    let line = err
        .lines()
        .find(|l| l.contains("holds a data statement"))
        .unwrap_or_default();
    let line = line.rsplit_once("migrations/").map_or(line, |(_, l)| l);
    match line.split_once(" holds a data statement (") {
        Some((at, rest)) => {
            let what = rest.split_once(')').map_or(rest, |(w, _)| w);
            format!("{} ({what})", at.trim())
        }
        None => line.trim().to_string(),
    }
}

async fn steps(dir: &Path, to: usize, d1: &str, d2: &str) -> Outcome {
    let to_v = i64::try_from(to).unwrap_or(i64::MAX);
    let before = match ups(dir) {
        Ok(u) => u,
        Err(e) => return fail(first(&e), e),
    };
    let is_up = |name: &str| name.ends_with(".up.sql");
    // Migrations (up files), and files of the folder that squash leaves alone.
    let total = before.iter().filter(|(_, n, _)| is_up(n)).count();
    let kept = before.iter().filter(|(v, _, _)| *v > to_v).count();
    let replaced: Vec<(i64, String)> = before
        .iter()
        .filter(|(v, n, _)| *v <= to_v && is_up(n))
        .map(|(v, _, sql)| (*v, hex(&Sha384::digest(sql.as_bytes()))))
        .collect();

    // D1: the original files, to the head.
    let (code, _, err) = match migrator(dir, d1, &["migrate"]).await {
        Ok(r) => r,
        Err(e) => return fail(e, ""),
    };
    if code != 0 {
        return fail(
            format!("migrate (old files) exit {code}: {}", cause(&err)),
            err,
        );
    }

    // squash 1 TO, with --concat when the range holds a data statement.
    let to_s = to.to_string();
    let mut args = vec!["squash", "1", &to_s, "-m", "squashed"];
    let mut mode = "diff".to_string();
    let (mut code, mut out, mut err) = match migrator(dir, d1, &args).await {
        Ok(r) => r,
        Err(e) => return fail(e, ""),
    };
    if code == 7 && err.contains("holds a data statement") {
        args.push("--concat");
        mode = format!("concat: data statement at {}", data_line(&err));
        (code, out, err) = match migrator(dir, d1, &args).await {
            Ok(r) => r,
            Err(e) => return fail(e, ""),
        };
    }
    if code != 0 {
        let why = format!("squash 1 {to} ({mode}) exit {code}: {}", cause(&err));
        if err.contains("cannot generate") {
            return Outcome::Refused(why);
        }
        if mode.starts_with("concat") && code == 8 {
            // The concatenated scripts are the project's own: if its downs, run one by one
            // on the old files, do not come back to the empty state either, the proof was
            // right to refuse them.
            return match own_downs(dir, d2, to).await {
                Ok(()) => fail(
                    format!("{why} (yet the old files' downgrade, one by one, comes back exactly)"),
                    format!("{out}\n{err}"),
                ),
                Err(own) => {
                    let folder = format!("{}/", dir.join("migrations").display());
                    Outcome::Refused(format!(
                        "--concat proof fails, as the project's own downs do: {}",
                        own.replace(&folder, "")
                    ))
                }
            };
        }
        return fail(why, format!("{out}\n{err}"));
    }

    // The folder: the replaced files gone, one pair at TO, the header naming each replaced
    // version with the checksum of its old up file.
    let after = match ups(dir) {
        Ok(u) => u,
        Err(e) => return fail(first(&e), e),
    };
    let in_range: Vec<&str> = after
        .iter()
        .filter(|(v, _, _)| *v <= to_v)
        .map(|(_, name, _)| name.as_str())
        .collect();
    let (up_name, down_name) = (
        format!("{to}_squashed.up.sql"),
        format!("{to}_squashed.down.sql"),
    );
    if in_range != [down_name.as_str(), up_name.as_str()] {
        return fail(
            format!("after squash, versions 1..={to} hold {in_range:?}, not the one pair"),
            "",
        );
    }
    if after.len() != kept + 2 {
        return fail(
            format!(
                "after squash the folder holds {} files, expected {}",
                after.len(),
                kept + 2
            ),
            "",
        );
    }
    let Some(up) = after
        .iter()
        .find(|(_, name, _)| *name == up_name)
        .map(|(_, _, sql)| sql.clone())
    else {
        return fail(format!("{up_name} is missing"), "");
    };
    let header: Vec<&str> = up
        .lines()
        .take_while(|l| l.starts_with("--") || l.trim().is_empty())
        .filter_map(|l| l.strip_prefix("-- admin:replaces "))
        .collect();
    let expected: Vec<String> = replaced.iter().map(|(v, h)| format!("{v} {h}")).collect();
    if header != expected {
        return fail(
            format!(
                "the squash header records {} replaced version(s), not the {to} old files with their checksums",
                header.len()
            ),
            format!("header: {header:?}\nexpected: {expected:?}"),
        );
    }
    let new_sum = Sha384::digest(up.as_bytes()).to_vec();

    // D1 applied the old files: the squash counts as applied, the next migrate records it.
    let (code, out, err) = match migrator(dir, d1, &["--format", "json", "history"]).await {
        Ok(r) => r,
        Err(e) => return fail(e, ""),
    };
    if code != 0 {
        return fail(format!("history exit {code}: {}", cause(&err)), err);
    }
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    let states: Vec<&str> = rows
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["state"].as_str()).collect())
        .unwrap_or_default();
    if states.len() != total - to + 1 || states.iter().any(|s| *s != "applied") {
        let odd: Vec<&&str> = states.iter().filter(|s| **s != "applied").collect();
        return fail(
            format!(
                "history after squash: {} row(s), not applied: {odd:?}",
                states.len()
            ),
            out,
        );
    }
    let (code, _, err) = match migrator(dir, d1, &["migrate"]).await {
        Ok(r) => r,
        Err(e) => return fail(e, ""),
    };
    if code != 0 || !err.contains("recorded squash") {
        return fail(
            format!(
                "migrate after squash exit {code}, without `recorded squash`: {}",
                cause(&err)
            ),
            err,
        );
    }
    let mut c = pg::connect(d1).await;
    let table: Vec<(i64, Vec<u8>)> =
        match sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut c)
            .await
        {
            Ok(t) => t,
            Err(e) => return fail(format!("reading _sqlx_migrations: {e}"), ""),
        };
    drop(c);
    let versions: Vec<i64> = table.iter().map(|(v, _)| *v).collect();
    let want: Vec<i64> = (to_v..=i64::try_from(total).unwrap_or(i64::MAX)).collect();
    if versions != want {
        return fail(
            format!(
                "_sqlx_migrations after the squash holds versions {versions:?}, expected {to}..={total}"
            ),
            "",
        );
    }
    if table.first().map(|(_, sum)| sum) != Some(&new_sum) {
        return fail(
            format!("_sqlx_migrations row {to} has not the checksum of {up_name}"),
            "",
        );
    }
    let (code, out, err) = match migrator(dir, d1, &["drift"]).await {
        Ok(r) => r,
        Err(e) => return fail(e, ""),
    };
    if code != 0 {
        let why = if out.trim().is_empty() { &err } else { &out };
        return fail(
            format!("drift after the squash (exit {code}): {}", first(why)),
            format!("{out}\n{err}"),
        );
    }

    // D2: the squashed folder from scratch, the same schema as D1.
    let (code, _, err) = match migrator(dir, d2, &["migrate"]).await {
        Ok(r) => r,
        Err(e) => return fail(e, ""),
    };
    if code != 0 {
        return fail(
            format!("migrate (squashed folder) exit {code}: {}", cause(&err)),
            err,
        );
    }
    let (a, b) = match (oracle::normalized_dump(d1), oracle::normalized_dump(d2)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return fail(first(&e), e),
    };
    if a != b {
        return fail(
            "pg_dump differs between the database that adopted the squash and a fresh one",
            oracle::show_diff(&a, &b),
        );
    }
    Outcome::Pass(format!(
        "squash 1..{to} ({mode}): D1 adopted, fresh DB equal"
    ))
}
