//! The whole autogenerate pipeline, shared by `makemigrations` and the tests: build "current"
//! and "desired" concurrently, introspect, diff, lint (`--strict`), prove, and always clean up.
//!
//! With the cache (the default, see [`super::cache`]) a run creates no database at all once the
//! migrations were replayed before: "current" is the cache entry, "desired" is schema.sql loaded
//! into the blank database inside a rolled-back transaction, and the proof runs on the cache
//! entry inside another rolled-back transaction. Without it, both are temporary databases.

use std::time::{Duration, Instant};

use sqlx::PgConnection;

use super::SchemaError;
use super::cache::{self, LOCK};
use super::diff::{Plan, diff};
use super::introspect::introspect;
use super::lint;
use super::model::Schema;
use super::renames;
use super::shadow::{Shadows, close, schema_file_error};
use super::verify::{Mode, prove, txid_current};
use crate::files::LocalMigration;

/// What to generate from.
pub struct Request<'a> {
    /// Server for the shadow databases (SHADOW_DATABASE_URL or DATABASE_URL).
    pub url: &'a str,
    /// PGPASSWORD, scrubbed from messages.
    pub pgpassword: Option<&'a str>,
    pub migrations: &'a [LocalMigration],
    /// schema.sql as shown in messages, and its text.
    pub schema_path: &'a str,
    pub schema_sql: &'a str,
    /// Run the round-trip proof.
    pub verify: bool,
    /// Refuse when lint finds anything.
    pub strict: bool,
    /// Use (and fill) the persistent cache databases.
    pub cache: bool,
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
    /// Whether "current" came from the cache (None without the cache).
    pub cache_hit: Option<bool>,
    /// Warnings for the command to print (e.g. an old cache entry still in use).
    pub notes: Vec<String>,
}

/// "Current": its database, the schema read from it and, when still open, a connection.
struct Current {
    db: String,
    schema: Schema,
    conn: Option<PgConnection>,
    hit: Option<bool>,
}

/// Introspects a shared cache database under its shared lock (no proof runs meanwhile).
async fn read_shared(sh: &Shadows, conn: &mut PgConnection) -> Result<Schema, SchemaError> {
    sh.sql(
        conn,
        &format!("BEGIN; SELECT pg_advisory_xact_lock_shared({LOCK})"),
    )
    .await?;
    let schema = introspect(conn).await?;
    sh.sql(conn, "COMMIT").await?;
    Ok(schema)
}

/// Replays into a new temporary database; returns it with the schema and the open connection.
async fn replay_temp(
    sh: &Shadows,
    migrations: &[LocalMigration],
) -> Result<(String, Schema, PgConnection), SchemaError> {
    let tmp = sh.create().await?;
    let mut conn = sh.connect(&tmp).await?;
    sh.replay(&mut conn, migrations).await?;
    let schema = introspect(&mut conn).await?;
    Ok((tmp, schema, conn))
}

async fn current(sh: &Shadows, req: &Request<'_>) -> Result<Current, SchemaError> {
    if !req.cache {
        let (db, schema, conn) = replay_temp(sh, req.migrations).await?;
        return Ok(Current {
            db,
            schema,
            conn: Some(conn),
            hit: None,
        });
    }
    let name = cache::name(sh.role(), req.migrations);
    if let Some(mut conn) = cache::lookup(sh, &name).await? {
        let pid = sh.track(&mut conn).await?;
        let schema = read_shared(sh, &mut conn).await?;
        sh.untrack(pid).await;
        return Ok(Current {
            db: name,
            schema,
            conn: Some(conn),
            hit: Some(true),
        });
    }
    let (tmp, schema, conn) = replay_temp(sh, req.migrations).await?;
    // A rename needs the database to have no connections.
    close(conn).await?;
    let db = if cache::store(sh, &tmp, &name).await? {
        cache::prune(sh, cache::REPLAY, &name).await?;
        name
    } else {
        tmp
    };
    Ok(Current {
        db,
        schema,
        conn: None,
        hit: Some(false),
    })
}

/// schema.sql loaded into a new temporary database, then stored as entry `store` if given.
async fn desired_temp(
    sh: &Shadows,
    req: &Request<'_>,
    store: Option<&str>,
) -> Result<Schema, SchemaError> {
    let tmp = sh.create().await?;
    let mut conn = sh.connect(&tmp).await?;
    sh.exec(&mut conn, req.schema_sql)
        .await
        .map_err(|f| schema_file_error(req.schema_path, f))?;
    let schema = introspect(&mut conn).await?;
    close(conn).await?;
    if let Some(key) = store
        && cache::store(sh, &tmp, key).await?
    {
        cache::prune(sh, cache::SCHEMA, key).await?;
    }
    Ok(schema)
}

/// schema.sql loaded into the blank database inside a rolled-back transaction; None when it
/// has to go to a temporary database instead (it cannot run in a transaction block, or the
/// blank database is not blank).
async fn desired_blank(sh: &Shadows, req: &Request<'_>) -> Result<Option<Schema>, SchemaError> {
    let blank = cache::ensure_blank(sh).await?;
    let mut conn = sh.connect(&blank).await?;
    let pid = sh.track(&mut conn).await?;
    sh.sql(
        &mut conn,
        &format!("BEGIN; SELECT pg_advisory_xact_lock({LOCK})"),
    )
    .await?;
    if !cache::is_blank(sh, &mut conn).await? {
        drop(conn);
        sh.untrack(pid).await;
        cache::drop_blank(sh, &format!("{blank} is not empty")).await;
        return Ok(None);
    }
    let txid = txid_current(sh, &mut conn).await?;
    if let Err(f) = sh.exec(&mut conn, req.schema_sql).await {
        // Dropping the connection aborts the transaction; the backend is ended if still busy.
        drop(conn);
        if f.code.as_deref() == Some("25001") {
            sh.untrack(pid).await;
            return Ok(None);
        }
        if f.code.as_deref() == Some("42501") {
            // Permission denied in the blank database (made by another role, or changed by
            // hand): that is not schema.sql's fault. A database of this role's own decides.
            sh.untrack(pid).await;
            sh.note(format!(
                "{blank} cannot be used by role {} ({}); schema.sql was loaded into a temporary database instead (drop {blank} to have it recreated)",
                sh.role(),
                f.message.lines().next().unwrap_or_default()
            ))
            .await;
            return Ok(None);
        }
        return Err(schema_file_error(req.schema_path, f));
    }
    if txid_current(sh, &mut conn).await? != txid {
        // schema.sql ended the transaction (COMMIT/ROLLBACK): what it did is in the blank
        // database now, which must not be reused.
        drop(conn);
        sh.untrack(pid).await;
        cache::drop_blank(
            sh,
            &format!(
                "{} ends its transaction (COMMIT or ROLLBACK)",
                req.schema_path
            ),
        )
        .await;
        return Ok(None);
    }
    let schema = introspect(&mut conn).await?;
    // The diff and the proof need not wait for the rollback of schema.sql.
    sh.roll_back_later(pid, conn).await;
    Ok(Some(schema))
}

/// "Desired": a stored schema.sql entry; else the blank database (remembering this
/// schema.sql), or a new stored entry when the same schema.sql came again recently.
async fn desired(sh: &Shadows, req: &Request<'_>) -> Result<Schema, SchemaError> {
    if !req.cache {
        return desired_temp(sh, req, None).await;
    }
    let key = cache::schema_name(sh.role(), req.schema_sql);
    if let Some(mut conn) = cache::lookup(sh, &key).await? {
        let pid = sh.track(&mut conn).await?;
        let schema = read_shared(sh, &mut conn).await?;
        close(conn).await?;
        sh.untrack(pid).await;
        return Ok(schema);
    }
    cache::ensure_blank(sh).await?;
    if cache::seen(sh, &key).await? {
        return desired_temp(sh, req, Some(&key)).await;
    }
    match desired_blank(sh, req).await? {
        Some(schema) => Ok(schema),
        None => desired_temp(sh, req, None).await,
    }
}

/// The proof on "current" in a rolled-back transaction; when that fails, once more the way
/// the scripts really run (each on its own) on a fresh replay, whose verdict stands.
async fn verify(
    sh: &Shadows,
    req: &Request<'_>,
    cur: Current,
    desired: &Schema,
    plan: &Plan,
) -> Result<(), SchemaError> {
    let mut conn = match cur.conn {
        Some(c) => c,
        None => match cache::lookup(sh, &cur.db).await? {
            Some(c) => c,
            None => {
                // The new entry was pruned by a concurrent run before we reconnected.
                let (db, _, conn) = replay_temp(sh, req.migrations).await?;
                let mode = Mode::Rollback;
                return prove(sh, conn, &db, mode, &cur.schema, desired, plan).await;
            }
        },
    };
    let shared = cur.hit.is_some();
    let pid = if shared {
        Some(sh.track(&mut conn).await?)
    } else {
        None
    };
    let first = prove(
        sh,
        conn,
        &cur.db,
        Mode::Rollback,
        &cur.schema,
        desired,
        plan,
    )
    .await;
    if let Some(pid) = pid {
        sh.untrack(pid).await;
    }
    match first {
        Err(SchemaError::VerifyFailed { .. }) => {
            let (db, _, conn) = replay_temp(sh, req.migrations).await?;
            prove(sh, conn, &db, Mode::Plain, &cur.schema, desired, plan).await
        }
        other => other,
    }
}

pub async fn generate(req: &Request<'_>) -> Result<Outcome, SchemaError> {
    let renames = renames::parse(req.schema_path, req.schema_sql)?;
    Shadows::scoped(req.url, req.pgpassword, async |sh: &Shadows| {
        let start = Instant::now();
        let (cur, desired) = tokio::try_join!(current(sh, req), desired(sh, req))?;
        let replay = start.elapsed();
        let start = Instant::now();
        let plan = diff(&cur.schema, &desired, &renames)?;
        let diff_time = start.elapsed();
        let cache_hit = cur.hit;
        let mut verify_time = None;
        if !plan.is_empty() {
            if req.strict {
                lint::strict(&plan.hazards())?;
            }
            if req.verify {
                let start = Instant::now();
                verify(sh, req, cur, &desired, &plan).await?;
                verify_time = Some(start.elapsed());
            } else if let Some(conn) = cur.conn {
                close(conn).await?;
            }
        } else if let Some(conn) = cur.conn {
            close(conn).await?;
        }
        Ok(Outcome {
            plan,
            replay,
            diff: diff_time,
            verify: verify_time,
            cache_hit,
            notes: sh.take_notes().await,
        })
    })
    .await
}

/// schema.sql loaded the way makemigrations loads its "desired" side (a cached state, the
/// blank database in a rolled-back transaction, or a temporary database) and read: what
/// `graph` draws.
pub async fn load(
    url: &str,
    pgpassword: Option<&str>,
    schema_path: &str,
    schema_sql: &str,
) -> Result<Schema, SchemaError> {
    let req = Request {
        url,
        pgpassword,
        migrations: &[],
        schema_path,
        schema_sql,
        verify: false,
        strict: false,
        cache: true,
    };
    Shadows::scoped(url, pgpassword, async |sh: &Shadows| {
        desired(sh, &req).await
    })
    .await
}
