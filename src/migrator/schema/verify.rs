//! The proof run before a generated migration is written: on a copy of "current", the up
//! script must reach exactly the desired schema, and the down script must come back exactly
//! to the current one (both re-diffed with the same engine, renames off).

use super::SchemaError;
use super::diff::{Plan, diff};
use super::introspect::introspect;
use super::model::Schema;
use super::renames::Renames;
use super::shadow::{Shadows, close};

/// The residual difference between two schemas, as the SQL that would still be needed.
fn residual(from: &Schema, to: &Schema) -> Result<Option<String>, SchemaError> {
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

/// Applies `plan` up then down on a copy of database `current_db` (which must have no open
/// connections) and re-diffs after each step.
pub async fn prove(
    shadows: &mut Shadows,
    current_db: &str,
    current: &Schema,
    desired: &Schema,
    plan: &Plan,
) -> Result<(), SchemaError> {
    let copy = shadows.create(Some(current_db)).await?;
    let mut conn = shadows.connect(&copy).await?;
    let failed = |stage: &str, residual: String| SchemaError::VerifyFailed {
        stage: stage.to_string(),
        residual,
    };
    let up = plan.up_sql();
    if let Err((position, message)) = shadows.exec(&mut conn, &up).await {
        let advice = if message.contains("unsafe use of new value") {
            "\nnote: a new enum label cannot be used in the transaction that adds it: add the label \
             alone first (schema.sql without its use, makemigrations), then the change that uses it"
        } else {
            ""
        };
        return Err(failed(
            "the up script fails on the current schema",
            format!("error{position}: {message}{advice}\n--- up script\n{up}"),
        ));
    }
    let after_up = introspect(&mut conn).await?;
    if let Some(r) = residual(&after_up, desired)? {
        return Err(failed(
            "after the up script the schema differs from schema.sql",
            r,
        ));
    }
    let down = plan.down_sql();
    if let Err((position, message)) = shadows.exec(&mut conn, &down).await {
        return Err(failed(
            "the down script fails after the up script",
            format!("error{position}: {message}\n--- down script\n{down}"),
        ));
    }
    let after_down = introspect(&mut conn).await?;
    if let Some(r) = residual(&after_down, current)? {
        return Err(failed(
            "after the down script the schema differs from what the migrations build",
            r,
        ));
    }
    close(conn).await
}
