//! The whole autogenerate pipeline, shared by `makemigrations` and the tests: build the two
//! shadow databases, introspect, diff, lint (`--strict`), prove, and always clean up.

use std::time::{Duration, Instant};

use super::SchemaError;
use super::diff::{Plan, diff};
use super::introspect::introspect;
use super::lint;
use super::renames;
use super::shadow::{Shadows, close};
use super::verify::prove;
use crate::migrator::files::LocalMigration;

/// What to generate from.
pub struct Request<'a> {
    /// Server for the shadow databases (SHADOW_DATABASE_URL or DATABASE_URL).
    pub url: &'a str,
    pub migrations: &'a [LocalMigration],
    /// schema.sql as shown in messages, and its text.
    pub schema_path: &'a str,
    pub schema_sql: &'a str,
    /// Run the round-trip proof.
    pub verify: bool,
    /// Refuse when lint finds anything.
    pub strict: bool,
}

/// The plan (empty when nothing changed) and where the time went.
#[derive(Debug)]
pub struct Outcome {
    pub plan: Plan,
    pub replay: Duration,
    pub diff: Duration,
    pub verify: Option<Duration>,
}

pub async fn generate(req: &Request<'_>) -> Result<Outcome, SchemaError> {
    let renames = renames::parse(req.schema_path, req.schema_sql)?;
    Shadows::scoped(req.url, async |sh: &mut Shadows| {
        let start = Instant::now();
        let current_db = sh.create(None).await?;
        sh.replay(&current_db, req.migrations).await?;
        let desired_db = sh.create(None).await?;
        sh.load_schema(&desired_db, req.schema_path, req.schema_sql)
            .await?;
        let replay = start.elapsed();
        let start = Instant::now();
        let mut conn = sh.connect(&current_db).await?;
        let current = introspect(&mut conn).await?;
        close(conn).await?;
        let mut conn = sh.connect(&desired_db).await?;
        let desired = introspect(&mut conn).await?;
        close(conn).await?;
        let plan = diff(&current, &desired, &renames)?;
        let diff_time = start.elapsed();
        if plan.is_empty() {
            return Ok(Outcome {
                plan,
                replay,
                diff: diff_time,
                verify: None,
            });
        }
        if req.strict {
            lint::strict(&plan.hazards())?;
        }
        let verify = if req.verify {
            let start = Instant::now();
            prove(sh, &current_db, &current, &desired, &plan).await?;
            Some(start.elapsed())
        } else {
            None
        };
        Ok(Outcome {
            plan,
            replay,
            diff: diff_time,
            verify,
        })
    })
    .await
}
