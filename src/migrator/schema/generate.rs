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
    /// Building and reading both shadow databases.
    pub replay: Duration,
    /// The pure diff.
    pub diff: Duration,
    pub verify: Option<Duration>,
}

/// Introspects shadow database `name` on a fresh connection.
async fn read(shadows: &Shadows, name: &str) -> Result<super::model::Schema, SchemaError> {
    let mut conn = shadows.connect(name).await?;
    let schema = introspect(&mut conn).await?;
    close(conn).await?;
    Ok(schema)
}

pub async fn generate(req: &Request<'_>) -> Result<Outcome, SchemaError> {
    let renames = renames::parse(req.schema_path, req.schema_sql)?;
    Shadows::scoped(req.url, async |sh: &mut Shadows| {
        let start = Instant::now();
        let (current_db, desired_db) = sh.create_two().await?;
        // Both shadows are built and read concurrently, each on its own connection.
        let shadows: &Shadows = sh;
        let build_current = async {
            shadows.replay(&current_db, req.migrations).await?;
            read(shadows, &current_db).await
        };
        let build_desired = async {
            shadows
                .load_schema(&desired_db, req.schema_path, req.schema_sql)
                .await?;
            read(shadows, &desired_db).await
        };
        let (current, desired) = tokio::try_join!(build_current, build_desired)?;
        let replay = start.elapsed();
        let start = Instant::now();
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
