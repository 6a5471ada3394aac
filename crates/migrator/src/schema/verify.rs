//! The proof run before a generated migration is written: on "current", the up script must
//! reach exactly the desired schema, and the down script must come back exactly to the current
//! one (both re-diffed with the same engine, renames off).
//!
//! [`Mode::Rollback`] runs it all in one transaction that is always rolled back, so "current"
//! (possibly a shared cache database) is never changed and no copy is needed; deferred
//! constraints are checked after each script (`SET CONSTRAINTS ALL IMMEDIATE`) as a commit
//! would. [`Mode::Plain`] runs each script on its own, as `migrate` and `downgrade` do, on a
//! throwaway replay: the generator falls back to it when the transactional proof fails, so a
//! migration is refused only when it fails the way it would really run.

use std::time::Instant;

use sqlx::PgConnection;

use super::SchemaError;
use super::cache::LOCK;
use super::diff::{Plan, diff};
use super::introspect::introspect;
use super::model::Schema;
use super::renames::Renames;
use super::shadow::{Shadows, close};

/// The residual difference between two schemas, as the SQL that would still be needed.
fn residual(from: &Schema, to: &Schema) -> Result<Option<String>, SchemaError> {
    // Equal models have no difference (the diff of a schema with itself is empty); anything
    // else, even a difference the diff does not act on, goes through the diff.
    if from == to {
        return Ok(None);
    }
    let plan = diff(from, to, &Renames::default())?;
    if plan.is_empty() {
        return Ok(None);
    }
    let mut out = String::from("residual difference (what would still be needed):\n");
    for op in &plan.ops {
        if let Some(up) = &op.up {
            for line in up.lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    Ok(Some(out.trim_end().to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One transaction, always rolled back (database `db` is left as it was).
    Rollback,
    /// Each script on its own (the database is changed; it must be a throwaway one).
    Plain,
}

fn failed(stage: &str, residual: String) -> SchemaError {
    SchemaError::VerifyFailed {
        stage: stage.to_string(),
        residual,
    }
}

/// Proves `plan` on `conn` (connected to database `db`, which holds `current`).
pub async fn prove(
    sh: &Shadows,
    conn: PgConnection,
    db: &str,
    mode: Mode,
    current: &Schema,
    desired: &Schema,
    plan: &Plan,
) -> Result<(), SchemaError> {
    let scripts = (plan.up_sql(), plan.down_sql());
    prove_scripts(
        sh,
        conn,
        db,
        mode,
        (current, desired),
        (&scripts.0, &scripts.1),
    )
    .await
}

/// Proves an up and a down script on `conn` (connected to database `db`, which holds
/// `current`): up must reach `desired` exactly, down must come back to `current` exactly
/// (`squash --concat` proves the replaced scripts so).
pub async fn prove_scripts(
    sh: &Shadows,
    mut conn: PgConnection,
    db: &str,
    mode: Mode,
    (current, desired): (&Schema, &Schema),
    (up, down): (&str, &str),
) -> Result<(), SchemaError> {
    if mode == Mode::Plain {
        steps(sh, &mut conn, mode, current, desired, (up, down)).await?;
        return close(conn).await;
    }
    sh.sql(&mut conn, "BEGIN").await?;
    let txid = begin(sh, &mut conn).await?;
    match steps(sh, &mut conn, mode, current, desired, (up, down)).await {
        Ok(()) => {}
        Err(e) => {
            // Dropping the connection aborts the transaction on the server.
            drop(conn);
            return Err(e);
        }
    }
    if txid_current(sh, &mut conn).await? != txid {
        // A script ended the transaction: `db` was changed, so it must not be reused.
        drop(conn);
        sh.discard(db).await;
        return Err(sh_error("the proof's transaction was ended by the script"));
    }
    sh.sql(&mut conn, "ROLLBACK").await?;
    close(conn).await
}

fn sh_error(message: &str) -> SchemaError {
    SchemaError::Shadow {
        doing: "proving the migration".into(),
        message: message.to_string(),
    }
}

/// Takes the cache database's exclusive lock; returns the transaction id.
async fn begin(sh: &Shadows, conn: &mut PgConnection) -> Result<i64, SchemaError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT pg_advisory_xact_lock({LOCK})"
    )))
    .execute(&mut *conn)
    .await
    .map_err(|e| sh.err("locking the shadow database for the proof", &e))?;
    txid_current(sh, conn).await
}

pub async fn txid_current(sh: &Shadows, conn: &mut PgConnection) -> Result<i64, SchemaError> {
    sqlx::query_scalar("SELECT txid_current()")
        .fetch_one(conn)
        .await
        .map_err(|e| sh.err("reading the shadow transaction id", &e))
}

async fn steps(
    sh: &Shadows,
    conn: &mut PgConnection,
    mode: Mode,
    current: &Schema,
    desired: &Schema,
    (up, down): (&str, &str),
) -> Result<(), SchemaError> {
    let mut clock = Instant::now();
    let mut lap = |step: &str| {
        tracing::debug!("proof: {step} in {} ms", clock.elapsed().as_millis());
        clock = Instant::now();
    };
    if let Err(f) = run(sh, conn, mode, up).await {
        let advice = if f.message.contains("unsafe use of new value") {
            "\nnote: a new enum label cannot be used in the transaction that adds it: add the label \
             alone first (schema.sql without its use, makemigrations), then the change that uses it"
        } else {
            ""
        };
        return Err(failed(
            "the up script fails on the current schema",
            format!(
                "error{}: {}{advice}\n--- up script\n{up}",
                f.position, f.message
            ),
        ));
    }
    lap("up script");
    let after_up = introspect(conn).await?;
    lap("introspection after up");
    if let Some(r) = residual(&after_up, desired)? {
        return Err(failed(
            "after the up script the schema differs from schema.sql",
            r,
        ));
    }
    lap("re-diff after up");
    if let Err(f) = run(sh, conn, mode, down).await {
        return Err(failed(
            "the down script fails after the up script",
            format!(
                "error{}: {}\n--- down script\n{down}",
                f.position, f.message
            ),
        ));
    }
    lap("down script");
    let after_down = introspect(conn).await?;
    lap("introspection after down");
    if let Some(r) = residual(&after_down, current)? {
        return Err(failed(
            "after the down script the schema differs from what the migrations build",
            r,
        ));
    }
    lap("re-diff after down");
    Ok(())
}

/// Runs a script; inside the proof's transaction, deferred constraints are checked right
/// after it, as its commit would.
///
/// In the rolled-back proof the script runs as one `DO` block (see [`as_one_statement`]): the
/// server then keeps its locks in one resource owner instead of re-scanning every lock held so
/// far after each statement, which makes a script of thousands of statements quadratic. Any
/// failure there is re-checked the way `migrate` runs the script ([`Mode::Plain`]), whose
/// verdict and message stand, so the wrapping can only make a proof faster, never different.
async fn run(
    sh: &Shadows,
    conn: &mut PgConnection,
    mode: Mode,
    script: &str,
) -> Result<(), super::shadow::Failed> {
    match mode {
        Mode::Plain => sh.exec(conn, script).await,
        Mode::Rollback => {
            sh.exec(conn, &as_one_statement(script)).await?;
            sh.exec(conn, "SET CONSTRAINTS ALL IMMEDIATE").await
        }
    }
}

/// `script` as a single `DO` statement that EXECUTEs it (plpgsql runs a multi-statement string
/// statement by statement); the dollar-quote tags are chosen so the script cannot end them.
fn as_one_statement(script: &str) -> String {
    let tag = |base: &str| {
        (0..)
            .map(|n| format!("${base}{n}$"))
            .find(|t| !script.contains(t.as_str()))
            .unwrap_or_default()
    };
    let (outer, inner) = (tag("migrator_do_"), tag("migrator_script_"));
    format!("DO {outer} BEGIN EXECUTE {inner}{script}{inner}; END {outer}")
}

#[cfg(test)]
mod tests {
    use super::{Schema, as_one_statement, residual};

    #[test]
    fn equal_models_have_no_residual_and_a_difference_is_named() {
        let mut a = Schema::default();
        a.schemas.insert("public".into());
        assert!(matches!(residual(&a, &a.clone()), Ok(None)));
        let mut b = a.clone();
        b.schemas.insert("extra".into());
        let r = residual(&a, &b).ok().flatten().unwrap_or_default();
        assert!(r.contains("CREATE SCHEMA extra"), "{r}");
    }

    #[test]
    fn the_script_is_quoted_with_tags_it_does_not_contain() {
        let plain = as_one_statement("CREATE TABLE t (id int);");
        assert_eq!(
            plain,
            "DO $migrator_do_0$ BEGIN EXECUTE $migrator_script_0$CREATE TABLE t (id int);\
             $migrator_script_0$; END $migrator_do_0$"
        );
        let tricky = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $migrator_script_0$ \
                      SELECT 1 $migrator_script_0$; -- $migrator_do_0$ $migrator_do_1$";
        let wrapped = as_one_statement(tricky);
        assert!(wrapped.starts_with("DO $migrator_do_2$ BEGIN EXECUTE $migrator_script_1$"));
        assert!(wrapped.ends_with("$migrator_script_1$; END $migrator_do_2$"));
        assert!(wrapped.contains(tricky));
    }
}
