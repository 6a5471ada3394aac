//! The database side: one dedicated connection, the sqlx-compatible advisory lock, the
//! `_sqlx_migrations` table, and running one migration with its bookkeeping row atomically.
//! Connection options are never Debug-printed (they contain the password); only masked URLs are.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgDatabaseError, PgErrorPosition};
use sqlx::{AssertSqlSafe, Connection, PgConnection, Row};

use super::error::MigratorError;
use crate::redact;

/// A row of `_sqlx_migrations`.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedRow {
    pub version: i64,
    pub description: String,
    pub installed_on: chrono::DateTime<chrono::Utc>,
    pub success: bool,
    pub checksum: Vec<u8>,
    /// Nanoseconds, as sqlx records it.
    pub execution_time: i64,
}

/// Where in a script a Postgres error happened, plus its message.
#[derive(Debug, Clone)]
pub struct SqlFailure {
    /// ` at line L, column C` (empty when Postgres gave no position).
    pub position: String,
    pub message: String,
    /// The SQLSTATE, when the server sent one.
    pub code: Option<String>,
}

pub struct Db {
    conn: PgConnection,
    masked_url: String,
    secrets: Vec<String>,
    database: String,
}

const LOCK_POLL: Duration = Duration::from_millis(200);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Every secret of a connection string, plus PGPASSWORD.
pub fn secrets(url: &str, pgpassword: Option<&str>) -> Vec<String> {
    let mut secrets = redact::secrets_of(url);
    secrets.extend(pgpassword.map(str::to_owned));
    secrets
}

/// The sqlx lock key: `0x3d32ad9e * crc32(database name)`.
pub fn lock_key(database: &str) -> i64 {
    0x3d32ad9e_i64 * i64::from(crc32fast::hash(database.as_bytes()))
}

impl Db {
    /// Connects to `url` (any form: URL, key/value DSN); `pgpassword` is PGPASSWORD, which
    /// the driver may use, scrubbed from messages like the URL's own secrets.
    pub async fn connect(url: &str, pgpassword: Option<&str>) -> Result<Db, MigratorError> {
        let masked_url = redact::mask_url(url);
        let secrets = secrets(url, pgpassword);
        let connect_err = |message: String| MigratorError::Connect {
            url: masked_url.clone(),
            message: redact::scrub(&message, &secrets),
        };
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| {
                connect_err(if url.contains("://") {
                    format!("invalid URL: {e}")
                } else {
                    "not a URL: write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE \
                     (key/value connection strings such as `host=… password=…` are not \
                     supported)"
                        .to_owned()
                })
            })?
            .application_name("migrator");
        let conn = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| connect_err(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())))?
            .map_err(|e| connect_err(describe(&e)))?;
        let mut db = Db {
            conn,
            masked_url,
            secrets,
            database: String::new(),
        };
        let row = sqlx::query("SELECT current_database()")
            .fetch_one(&mut db.conn)
            .await
            .map_err(|e| db.err("reading the database name", e))?;
        db.database = row
            .try_get::<String, _>(0)
            .map_err(|e| db.err("reading the database name", e))?;
        Ok(db)
    }

    pub fn masked_url(&self) -> &str {
        &self.masked_url
    }

    pub fn database(&self) -> &str {
        &self.database
    }

    pub fn err(&self, doing: &str, e: sqlx::Error) -> MigratorError {
        MigratorError::Database {
            doing: doing.to_string(),
            message: redact::scrub(&describe(&e), &self.secrets),
        }
    }

    /// Polls `pg_try_advisory_lock` until `timeout`; on timeout names the holding PID.
    pub async fn lock(&mut self, timeout: Duration) -> Result<(), MigratorError> {
        let key = lock_key(&self.database);
        let start = Instant::now();
        loop {
            let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(key)
                .fetch_one(&mut self.conn)
                .await
                .map_err(|e| self.err("taking the migration lock", e))?;
            if got {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                let holder = self.lock_holder(key).await?;
                return Err(MigratorError::LockTimeout {
                    seconds: timeout.as_secs(),
                    database: self.database.clone(),
                    holder,
                });
            }
            tokio::time::sleep(LOCK_POLL.min(timeout.saturating_sub(start.elapsed()))).await;
        }
    }

    async fn lock_holder(&mut self, key: i64) -> Result<String, MigratorError> {
        let row = sqlx::query(
            "SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local')
               FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
              WHERE l.locktype = 'advisory' AND l.granted
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND l.classid = (($1 >> 32) & 4294967295)::bigint::oid
                AND l.objid = ($1 & 4294967295)::bigint::oid
                AND l.objsubid = 1
              LIMIT 1",
        )
        .bind(key)
        .fetch_optional(&mut self.conn)
        .await
        .map_err(|e| self.err("finding the lock holder", e))?;
        let decoded = row
            .map(|r| -> Result<(i32, String, String), sqlx::Error> {
                Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
            })
            .transpose()
            .map_err(|e| self.err("finding the lock holder", e))?;
        Ok(match decoded {
            Some((pid, app, addr)) => {
                let app = if app.is_empty() {
                    "unknown application".into()
                } else {
                    app
                };
                format!("PID {pid} ({app}, {addr})")
            }
            None => "a session that released it just now".to_string(),
        })
    }

    pub async fn unlock(&mut self) -> Result<(), MigratorError> {
        let key = lock_key(&self.database);
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(key)
            .execute(&mut self.conn)
            .await
            .map_err(|e| self.err("releasing the migration lock", e))?;
        Ok(())
    }

    /// Creates `_sqlx_migrations` exactly as sqlx does.
    pub async fn ensure_table(&mut self) -> Result<(), MigratorError> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
);",
        )
        .execute(&mut self.conn)
        .await
        .map_err(|e| self.err("creating _sqlx_migrations", e))?;
        Ok(())
    }

    /// The connection (for reading the catalog: `drift`).
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.conn
    }

    /// Every row of `_sqlx_migrations`, oldest first (empty when the table does not exist).
    pub async fn applied(&mut self) -> Result<Vec<AppliedRow>, MigratorError> {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| self.err("looking for _sqlx_migrations", e))?;
        if !exists {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT version, description, installed_on, success, checksum, execution_time
               FROM _sqlx_migrations ORDER BY version",
        )
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| self.err("reading _sqlx_migrations", e))?;
        rows.iter()
            .map(|r| {
                Ok(AppliedRow {
                    version: r.try_get(0)?,
                    description: r.try_get(1)?,
                    installed_on: r.try_get(2)?,
                    success: r.try_get(3)?,
                    checksum: r.try_get(4)?,
                    execution_time: r.try_get(5)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(|e| self.err("reading _sqlx_migrations", e))
    }

    /// The indexes named `names` (or on tables named so), and every INVALID index, outside
    /// the system schemas (see [`super::leftovers`]).
    pub async fn indexes(
        &mut self,
        names: &[String],
    ) -> Result<Vec<super::leftovers::IndexState>, MigratorError> {
        let rows = sqlx::query(
            "SELECT n.nspname::text, c.relname::text, t.relname::text, i.indisvalid,
                    EXISTS (SELECT 1 FROM pg_locks l
                             WHERE l.granted AND l.mode = 'ShareUpdateExclusiveLock'
                               AND l.relation IN (i.indexrelid, i.indrelid)
                               AND l.pid <> pg_backend_pid())
               FROM pg_index i
               JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_class t ON t.oid = i.indrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE (c.relname = ANY($1) OR t.relname = ANY($1) OR NOT i.indisvalid)
                AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                AND n.nspname NOT LIKE 'pg\\_toast%'
              ORDER BY 1, 2",
        )
        .bind(names)
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| self.err("reading the indexes", e))?;
        rows.iter()
            .map(|r| {
                Ok(super::leftovers::IndexState {
                    schema: r.try_get(0)?,
                    name: r.try_get(1)?,
                    table: r.try_get(2)?,
                    valid: r.try_get(3)?,
                    busy: r.try_get(4)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(|e| self.err("reading the indexes", e))
    }

    /// Runs an up script and records its row; both commit together unless `no_tx`.
    /// Returns the execution time. On failure nothing of a transactional migration remains.
    pub async fn apply(
        &mut self,
        version: i64,
        description: &str,
        checksum: &[u8],
        sql: &str,
        no_tx: bool,
    ) -> Result<Result<Duration, SqlFailure>, MigratorError> {
        let record = Record::Insert {
            version,
            description,
            checksum,
        };
        self.run_script(sql, no_tx, record).await
    }

    /// Runs a down script and deletes the row; both commit together unless `no_tx`.
    pub async fn revert(
        &mut self,
        version: i64,
        sql: &str,
        no_tx: bool,
    ) -> Result<Result<Duration, SqlFailure>, MigratorError> {
        self.run_script(sql, no_tx, Record::Delete { version })
            .await
    }

    /// Runs `sql` and writes its bookkeeping `record`, in one transaction unless `no_tx`.
    /// A SQL failure is returned as `Ok(Err(..))` (rolled back); bookkeeping failures as `Err`.
    async fn run_script(
        &mut self,
        sql: &str,
        no_tx: bool,
        record: Record<'_>,
    ) -> Result<Result<Duration, SqlFailure>, MigratorError> {
        let version = record.version();
        let db_err = |doing: String, e: sqlx::Error, secrets: &[String]| MigratorError::Database {
            doing,
            message: redact::scrub(&describe(&e), secrets),
        };
        let start = Instant::now();
        if no_tx {
            if let Err(e) = sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut self.conn)
                .await
            {
                return Ok(Err(self.failure(sql, e)));
            }
            let elapsed = start.elapsed();
            record
                .write(&mut self.conn, elapsed)
                .await
                .map_err(|e| db_err(format!("recording migration {version}"), e, &self.secrets))?;
            return Ok(Ok(elapsed));
        }
        let mut tx = self
            .conn
            .begin()
            .await
            .map_err(|e| db_err("starting a transaction".into(), e, &self.secrets))?;
        if let Err(e) = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *tx).await {
            let failure = failure_of(sql, &e, &self.secrets);
            tx.rollback()
                .await
                .map_err(|e| db_err("rolling back".into(), e, &self.secrets))?;
            return Ok(Err(failure));
        }
        let elapsed = start.elapsed();
        record
            .write(&mut tx, elapsed)
            .await
            .map_err(|e| db_err(format!("recording migration {version}"), e, &self.secrets))?;
        tx.commit()
            .await
            .map_err(|e| db_err(format!("committing migration {version}"), e, &self.secrets))?;
        Ok(Ok(elapsed))
    }

    /// Records rows without running anything (stamp) and removes rows above the target,
    /// in one transaction.
    pub async fn stamp(
        &mut self,
        insert: &[(i64, String, Vec<u8>)],
        delete: &[i64],
    ) -> Result<(), MigratorError> {
        let mut tx = self
            .conn
            .begin()
            .await
            .map_err(|e| MigratorError::Database {
                doing: "starting a transaction".into(),
                message: describe(&e),
            })?;
        for (version, description, checksum) in insert {
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                 VALUES ($1, $2, TRUE, $3, 0)",
            )
            .bind(version)
            .bind(description)
            .bind(checksum)
            .execute(&mut *tx)
            .await
            .map_err(|e| MigratorError::Database {
                doing: format!("stamping {version}"),
                message: describe(&e),
            })?;
        }
        for version in delete {
            sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(|e| MigratorError::Database {
                    doing: format!("unstamping {version}"),
                    message: describe(&e),
                })?;
        }
        tx.commit().await.map_err(|e| MigratorError::Database {
            doing: "committing the stamp".into(),
            message: describe(&e),
        })
    }

    fn failure(&self, sql: &str, e: sqlx::Error) -> SqlFailure {
        failure_of(sql, &e, &self.secrets)
    }

    /// Closes the connection cleanly (the server releases session locks either way).
    pub async fn close(self) -> Result<(), MigratorError> {
        self.conn
            .close()
            .await
            .map_err(|e| MigratorError::Database {
                doing: "closing the connection".into(),
                message: describe(&e),
            })
    }
}

/// The bookkeeping that goes with a script: a new row (up) or its removal (down).
enum Record<'a> {
    Insert {
        version: i64,
        description: &'a str,
        checksum: &'a [u8],
    },
    Delete {
        version: i64,
    },
}

impl Record<'_> {
    fn version(&self) -> i64 {
        match self {
            Record::Insert { version, .. } | Record::Delete { version } => *version,
        }
    }

    async fn write(&self, conn: &mut PgConnection, elapsed: Duration) -> Result<(), sqlx::Error> {
        match self {
            Record::Insert {
                version,
                description,
                checksum,
            } => sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                 VALUES ($1, $2, TRUE, $3, $4)",
            )
            .bind(version)
            .bind(description)
            .bind(checksum)
            .bind(nanos(elapsed))
            .execute(conn)
            .await
            .map(|_| ()),
            Record::Delete { version } => {
                sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
                    .bind(version)
                    .execute(conn)
                    .await
                    .map(|_| ())
            }
        }
    }
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// A driver error as users should read it: for a server error its message and SQLSTATE, never
/// sqlx's rendering, which appends the line of the *server's C source* that raised it
/// (`… at line 334`) and would read like a position in the user's file.
pub fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => match db.code() {
            Some(code) => format!("{} (SQLSTATE {code})", db.message()),
            None => db.message().to_string(),
        },
        other => other.to_string(),
    }
}

/// Turns a Postgres error into "at line L, column C" + message (+ detail/hint).
pub fn failure_of(sql: &str, e: &sqlx::Error, secrets: &[String]) -> SqlFailure {
    let mut position = String::new();
    let message = match e {
        sqlx::Error::Database(db) => {
            let mut msg = db.message().to_string();
            if let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() {
                if let Some(PgErrorPosition::Original(chars)) = pg.position() {
                    let (line, col) = line_col(sql, chars);
                    position = format!(" at line {line}, column {col}");
                }
                if let Some(detail) = pg.detail() {
                    msg.push_str(&format!("\n  detail: {detail}"));
                }
                if let Some(h) = pg.hint() {
                    msg.push_str(&format!("\n  postgres hint: {h}"));
                }
                if pg.code() == "53200" && pg.message().contains("shared memory") {
                    msg.push_str(
                        "\n  note: the server ran out of lock slots: one transaction touched more \
                         tables and indexes than max_locks_per_transaction allows; raise it on the \
                         server (e.g. max_locks_per_transaction = 1024) and restart PostgreSQL",
                    );
                }
                msg = format!("{msg} (SQLSTATE {})", pg.code());
            }
            msg
        }
        other => other.to_string(),
    };
    SqlFailure {
        position,
        message: redact::scrub(&message, secrets),
        code: e
            .as_database_error()
            .and_then(|d| d.code())
            .map(|c| c.into_owned()),
    }
}

/// 1-based line and column of the 1-based character offset `chars` in `text`.
pub fn line_col(text: &str, chars: usize) -> (usize, usize) {
    let mut line = 1;
    let mut col = 1;
    for c in text.chars().take(chars.saturating_sub(1)) {
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_key_matches_sqlx() {
        // sqlx: 0x3d32ad9e * crc32_iso_hdlc("postgres"); the CRC computed independently
        // (python: zlib.crc32(b"postgres") == 0x156a8775).
        assert_eq!(lock_key("postgres"), 368907709894077238);
    }

    #[test]
    fn positions() {
        assert_eq!(line_col("select 1;\nselect x;", 18), (2, 8));
        assert_eq!(line_col("abc", 1), (1, 1));
    }
}
