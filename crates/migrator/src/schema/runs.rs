//! Which makemigrations runs are alive on the shadow server, and the cleanup of the temporary
//! databases dead ones left (a run killed with SIGKILL, a container stopped mid-way, a lost
//! connection: nothing of the run can drop them then).
//!
//! Every run holds a session advisory lock `(RUN_LOCK, run id)` on its server connection for
//! its whole life, and puts its run id in the names of its temporary databases
//! (`migrator_shadow_<pid>_r<run id>_<n>`). The server releases the lock when that session
//! ends, however the run died; so a temporary database whose run id is not locked by another
//! session belongs to a dead run. Process ids are not used to decide: they are per host or
//! container and are reused. Each run drops such databases when it starts.

use std::hash::{BuildHasher, Hasher};

use sqlx::{AssertSqlSafe, PgConnection, Row};

use super::model::ident;
use crate::db::describe;

/// First key of the two-key advisory lock of a live run ("mshr").
pub const RUN_LOCK: i32 = 0x6d73_6872;

/// A random positive 31-bit run id (std's per-process random hasher keys, the clock and the
/// attempt number: no other source of randomness is needed for this).
fn candidate(attempt: u32) -> i32 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_i64(chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default());
    h.write_u32(attempt);
    i32::try_from(h.finish() & 0x7fff_ffff).unwrap_or(1)
}

/// Takes this run's liveness lock on `conn`; returns the run id. Ids held by a live run are
/// skipped (`pg_try_advisory_lock`, never a wait).
pub async fn register(conn: &mut PgConnection) -> Result<i32, sqlx::Error> {
    let mut last = 0;
    for attempt in 0..32 {
        last = candidate(attempt);
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(RUN_LOCK)
            .bind(last)
            .fetch_one(&mut *conn)
            .await?;
        if got {
            return Ok(last);
        }
    }
    Err(sqlx::Error::Protocol(format!(
        "no free run id on the shadow server (32 taken, the last {last})"
    )))
}

/// The name of temporary database `n` of run `run` of this process.
pub fn temp_name(run: i32, n: usize) -> String {
    format!("migrator_shadow_{}_r{run}_{n}", std::process::id())
}

/// Temporary databases of dead runs that this role may drop, with whether each has the
/// current naming (run id inside, so its run is known dead) or an older one (no run id:
/// dropped only when nothing is connected to it).
async fn stale(conn: &mut PgConnection) -> Result<Vec<(String, bool)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT d.datname::text,
                d.datname ~ '^migrator_shadow_[0-9]+_r[0-9]+_[0-9]+$' AS current_naming
           FROM pg_database d
          WHERE d.datname LIKE 'migrator\\_shadow\\_%'
            AND pg_has_role(d.datdba, 'MEMBER')
            AND NOT EXISTS (
                SELECT 1 FROM pg_locks l
                 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                   AND l.classid = $1::int8::oid
                   AND l.objid::int8 = substring(d.datname FROM '^migrator_shadow_[0-9]+_r([0-9]+)_')::int8
                   AND l.pid <> pg_backend_pid())
          ORDER BY d.oid",
    )
    .bind(RUN_LOCK)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Drops the temporary databases of dead runs; returns notes for what could not be dropped.
/// Call it holding this run's own lock (see [`register`]).
pub async fn sweep(conn: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    let mut notes = Vec::new();
    for (name, current_naming) in stale(conn).await? {
        // A dead run's backend may still be running one of its statements there: FORCE ends
        // it. An older run (no run id in the name) may be alive: never forced.
        let force = if current_naming { " WITH (FORCE)" } else { "" };
        let sql = format!("DROP DATABASE IF EXISTS {}{force}", ident(&name));
        match sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await {
            Ok(_) => tracing::debug!("dropped {name}, left by a makemigrations that died"),
            // Dropped by another run right now, or (older naming only) in use: alive.
            Err(e) if expected(&e, current_naming) => {}
            Err(e) => notes.push(format!(
                "could not drop {name}, left by a makemigrations that died ({}); drop it by hand: DROP DATABASE {} WITH (FORCE)",
                describe(&e),
                ident(&name)
            )),
        }
    }
    Ok(notes)
}

fn expected(e: &sqlx::Error, current_naming: bool) -> bool {
    let code = e.as_database_error().and_then(|d| d.code());
    match code.as_deref() {
        Some("3D000") => true,
        Some("55006") => !current_naming,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_positive_and_vary() {
        let ids: Vec<i32> = (0..16).map(candidate).collect();
        assert!(ids.iter().all(|i| *i >= 0));
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert!(unique.len() > 8, "{ids:?}");
        let name = temp_name(42, 3);
        assert!(name.starts_with(&format!("migrator_shadow_{}_r42_", std::process::id())));
        assert!(name.ends_with("_3"));
    }
}
