//! Shadow databases on the migrations' server: "current" (every migration replayed) and
//! "desired" (schema.sql executed; PostgreSQL parses it). Every temporary database created
//! here (`migrator_shadow_<pid>_r<run>_…`) is dropped again (`DROP DATABASE … WITH (FORCE)`) on
//! every path, errors and Ctrl-C included; those of a run that was killed are dropped by the
//! next run ([`super::runs`]); the persistent cache databases are [`super::cache`]'s.

use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tokio::sync::Mutex;

use super::SchemaError;
use super::model::ident;
use super::runs;
use crate::db::{describe, failure_of};
use crate::files::LocalMigration;
use crate::redact;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A failed script: SQLSTATE (when the server sent one), position and message.
#[derive(Debug)]
pub struct Failed {
    pub code: Option<String>,
    pub position: String,
    pub message: String,
}

/// The SQLSTATE of a server error.
pub fn sqlstate(e: &sqlx::Error) -> Option<String> {
    e.as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.into_owned())
}

/// A background rollback: its error as text.
type Rollback = tokio::task::JoinHandle<Result<(), String>>;

/// A connection to the server plus the shadow databases created through it. Shared by the
/// concurrent halves of a run (`&Shadows`): the bookkeeping sits behind locks.
pub struct Shadows {
    admin: Mutex<PgConnection>,
    options: PgConnectOptions,
    secrets: Vec<String>,
    /// This run's id, locked on `admin` for the run's life (see [`runs`]).
    run: i32,
    /// The role connected (cache entries are per role).
    role: String,
    /// Temporary databases to drop at the end.
    created: Mutex<Vec<String>>,
    /// Backends that may still be busy when a run is abandoned (the other half failed, or
    /// Ctrl-C): on persistent databases, or running a CREATE DATABASE of ours. Ended and waited
    /// for before the drops.
    backends: Mutex<Vec<i32>>,
    /// Warnings for the command to print.
    notes: Mutex<Vec<String>>,
    /// Rollbacks left to finish off the critical path ([`Shadows::roll_back_later`]): the
    /// backend's pid and the task.
    finishing: Mutex<Vec<(i32, Rollback)>>,
}

impl Shadows {
    /// Connects to `url` (SHADOW_DATABASE_URL, or else DATABASE_URL).
    pub async fn open(url: &str, pgpassword: Option<&str>) -> Result<Shadows, SchemaError> {
        let secrets = crate::db::secrets(url, pgpassword);
        let err = |m: String| SchemaError::Shadow {
            doing: format!("connecting to {}", redact::mask_url(url)),
            message: redact::scrub(&m, &secrets),
        };
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| err(describe(&e)))?
            .application_name("migrator-shadow");
        let mut admin = PgConnection::connect_with(&options)
            .await
            .map_err(|e| err(describe(&e)))?;
        // This run's liveness lock first, then the leftovers of dead runs (see `runs`).
        let run = runs::register(&mut admin)
            .await
            .map_err(|e| err(describe(&e)))?;
        let role: String = sqlx::query_scalar("SELECT current_user::text")
            .fetch_one(&mut admin)
            .await
            .map_err(|e| err(describe(&e)))?;
        let notes = runs::sweep(&mut admin)
            .await
            .map_err(|e| SchemaError::Shadow {
                doing: "dropping the temporary databases of runs that died".into(),
                message: redact::scrub(&describe(&e), &secrets),
            })?;
        Ok(Shadows {
            admin: Mutex::new(admin),
            options,
            secrets,
            run,
            role,
            created: Mutex::new(Vec::new()),
            backends: Mutex::new(Vec::new()),
            notes: Mutex::new(notes),
            finishing: Mutex::new(Vec::new()),
        })
    }

    /// The role the shadow server connection uses.
    pub fn role(&self) -> &str {
        &self.role
    }

    pub fn err(&self, doing: &str, e: &sqlx::Error) -> SchemaError {
        SchemaError::Shadow {
            doing: doing.to_string(),
            message: redact::scrub(&describe(e), &self.secrets),
        }
    }

    /// A temporary database name: `migrator_shadow_<pid>_r<run id>_<n>` (see [`runs`]).
    pub fn new_name(&self) -> String {
        runs::temp_name(self.run, COUNTER.fetch_add(1, Ordering::SeqCst))
    }

    /// Runs one statement on the server connection (a second connection when it is busy).
    pub async fn admin_sql(&self, sql: String) -> Result<(), sqlx::Error> {
        match self.admin.try_lock() {
            Ok(mut admin) => {
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut *admin)
                    .await?
            }
            Err(_) => {
                let mut other = PgConnection::connect_with(&self.options).await?;
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut other)
                    .await?;
                other.close().await?;
                return Ok(());
            }
        };
        Ok(())
    }

    /// Rows of one query on the server connection.
    pub async fn admin_rows(&self, sql: &str) -> Result<Vec<sqlx::postgres::PgRow>, sqlx::Error> {
        let mut admin = self.admin.lock().await;
        sqlx::query(AssertSqlSafe(sql.to_string()))
            .fetch_all(&mut *admin)
            .await
    }

    /// Creates an empty temporary database; returns its name (recorded for the cleanup
    /// before it exists). It runs on a connection of its own whose backend is recorded too:
    /// if this future is dropped mid-way the server still finishes the CREATE DATABASE, so the
    /// cleanup ends that backend and waits for it before dropping.
    pub async fn create(&self) -> Result<String, SchemaError> {
        let name = self.new_name();
        let doing = format!("creating shadow database {name}");
        self.created.lock().await.push(name.clone());
        let mut conn = PgConnection::connect_with(&self.options)
            .await
            .map_err(|e| self.err(&doing, &e))?;
        let pid = self.track(&mut conn).await?;
        let sql = format!(
            "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'",
            ident(&name)
        );
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .map_err(|e| self.err(&doing, &e))?;
        self.untrack(pid).await;
        conn.close().await.map_err(|e| self.err(&doing, &e))?;
        Ok(name)
    }

    /// Stops dropping `name` at the end (it became a cache database).
    pub async fn keep(&self, name: &str) {
        self.created.lock().await.retain(|n| n != name);
    }

    /// Drops `name` at the end too.
    pub async fn discard(&self, name: &str) {
        self.created.lock().await.push(name.to_string());
    }

    pub async fn note(&self, note: String) {
        self.notes.lock().await.push(note);
    }

    pub async fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *self.notes.lock().await)
    }

    /// A connection to one shadow database.
    pub async fn connect(&self, name: &str) -> Result<PgConnection, SchemaError> {
        self.try_connect(name)
            .await
            .map_err(|e| self.err(&format!("connecting to shadow database {name}"), &e))
    }

    pub async fn try_connect(&self, name: &str) -> Result<PgConnection, sqlx::Error> {
        let options = self.options.clone().database(name);
        PgConnection::connect_with(&options).await
    }

    /// Records the backend of `conn` (on a persistent database, or creating one) so an
    /// interrupted run can end it and wait for it; returns its pid for [`Shadows::untrack`].
    pub async fn track(&self, conn: &mut PgConnection) -> Result<i32, SchemaError> {
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(conn)
            .await
            .map_err(|e| self.err("reading the shadow backend pid", &e))?;
        self.backends.lock().await.push(pid);
        Ok(pid)
    }

    pub async fn untrack(&self, pid: i32) {
        self.backends.lock().await.retain(|p| *p != pid);
    }

    /// Rolls back `conn`'s transaction (backend `pid`, tracked) and closes it in the
    /// background: a big rolled-back transaction (schema.sql in the blank database) takes tens
    /// of milliseconds the run does not need to wait for. Finished before the run ends.
    pub async fn roll_back_later(&self, pid: i32, mut conn: PgConnection) {
        let task = tokio::spawn(async move {
            sqlx::raw_sql(AssertSqlSafe("ROLLBACK"))
                .execute(&mut conn)
                .await
                .map_err(|e| describe(&e))?;
            conn.close().await.map_err(|e| describe(&e))
        });
        self.finishing.lock().await.push((pid, task));
    }

    /// Waits for the background rollbacks (`ok`: the run succeeded; else they are abandoned:
    /// their connections close and their backends, still tracked, are ended by the cleanup).
    /// The first failure is returned; its backend stays tracked, so the cleanup ends it.
    async fn finish(&self, ok: bool) -> Result<(), SchemaError> {
        let tasks = std::mem::take(&mut *self.finishing.lock().await);
        let mut first = Ok(());
        for (pid, task) in tasks {
            if !ok {
                task.abort();
                continue;
            }
            let failed = match task.await {
                Ok(Ok(())) => None,
                Ok(Err(m)) => Some(m),
                Err(e) => Some(e.to_string()),
            };
            match failed {
                Some(m) if first.is_ok() => {
                    first = Err(SchemaError::Shadow {
                        doing: "rolling back schema.sql in the blank shadow database".into(),
                        message: redact::scrub(&m, &self.secrets),
                    });
                }
                Some(_) => {}
                None => self.untrack(pid).await,
            }
        }
        first
    }

    /// Ends tracked backends still running, then drops every temporary database created
    /// here; the first error is returned after everything was attempted.
    pub async fn drop_all(self) -> Result<(), SchemaError> {
        let mut first = None;
        let mut admin = self.admin.into_inner();
        let backends = self.backends.into_inner();
        if !backends.is_empty()
            && let Err(e) = end_and_wait(&mut admin, &backends).await
        {
            first.get_or_insert(SchemaError::Shadow {
                doing: "ending the shadow backends of an interrupted run".into(),
                message: redact::scrub(&describe(&e), &self.secrets),
            });
        }
        for name in self.created.into_inner() {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(&name));
            if let Err(e) = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await {
                first.get_or_insert(SchemaError::Shadow {
                    doing: format!("dropping shadow database {name}"),
                    message: redact::scrub(&describe(&e), &self.secrets),
                });
            }
        }
        let closed = admin.close().await;
        match (first, closed) {
            (Some(e), _) => Err(e),
            (None, Err(e)) => Err(SchemaError::Shadow {
                doing: "closing the shadow connection".into(),
                message: describe(&e),
            }),
            (None, Ok(())) => Ok(()),
        }
    }

    /// Runs `work`, then drops every temporary database whatever `work` returned.
    pub async fn scoped<T>(
        url: &str,
        pgpassword: Option<&str>,
        work: impl AsyncFnOnce(&Shadows) -> Result<T, SchemaError>,
    ) -> Result<T, SchemaError> {
        let shadows = Shadows::open(url, pgpassword).await?;
        // Ctrl-C / SIGTERM abandon the work (its connections close) but not the cleanup.
        let result = tokio::select! {
            r = work(&shadows) => r,
            () = interrupted() => Err(SchemaError::Interrupted),
        };
        let finished = shadows.finish(result.is_ok()).await;
        let dropped = shadows.drop_all().await;
        match (result, finished, dropped) {
            (Err(e), _, _) | (Ok(_), Err(e), _) | (Ok(_), Ok(()), Err(e)) => Err(e),
            (Ok(v), Ok(()), Ok(())) => Ok(v),
        }
    }

    /// Runs a script.
    pub async fn exec(&self, conn: &mut PgConnection, sql: &str) -> Result<(), Failed> {
        match sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let f = failure_of(sql, &e, &self.secrets);
                Err(Failed {
                    code: sqlstate(&e),
                    position: f.position,
                    message: f.message,
                })
            }
        }
    }

    /// Runs one bookkeeping statement (BEGIN, ROLLBACK, …) on a shadow connection.
    pub async fn sql(&self, conn: &mut PgConnection, sql: &str) -> Result<(), SchemaError> {
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(|e| self.err(&format!("running `{sql}` on a shadow database"), &e))
    }

    /// Replays every migration's up script over `conn`.
    pub async fn replay(
        &self,
        conn: &mut PgConnection,
        migrations: &[LocalMigration],
    ) -> Result<(), SchemaError> {
        for m in migrations {
            if let Err(f) = self.exec(conn, &m.up_sql).await {
                return Err(SchemaError::Replay {
                    file: crate::error::migration_ref(&m.up_path),
                    position: f.position,
                    message: f.message,
                });
            }
        }
        Ok(())
    }
}

/// Terminates our backends `pids` and waits (up to 30 s) until they are gone, so nothing of
/// theirs is half-way when the drops run: a CREATE DATABASE ended this way removes what it
/// made; one that already finished leaves a database the drops that follow remove.
async fn end_and_wait(admin: &mut PgConnection, pids: &[i32]) -> Result<(), sqlx::Error> {
    let ours = "pid = ANY($1) AND application_name = 'migrator-shadow'";
    sqlx::query(AssertSqlSafe(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {ours}"
    )))
    .bind(pids)
    .fetch_all(&mut *admin)
    .await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let left: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM pg_stat_activity WHERE {ours}"
        )))
        .bind(pids)
        .fetch_one(&mut *admin)
        .await?;
        if left == 0 || std::time::Instant::now() >= deadline {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// schema.sql (`path` for messages) rejected by the server.
pub fn schema_file_error(path: &str, f: Failed) -> SchemaError {
    SchemaError::SchemaFile {
        file: crate::error::schema_ref(path),
        position: f.position,
        message: f.message,
    }
}

/// Completes on Ctrl-C or SIGTERM (never, when neither can be listened for).
async fn interrupted() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(t) => t,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        r = tokio::signal::ctrl_c() => {
            if r.is_err() {
                std::future::pending::<()>().await;
            }
        }
        _ = term.recv() => {}
    }
}

/// Closes a shadow connection (renaming a database needs it to have none).
pub async fn close(conn: PgConnection) -> Result<(), SchemaError> {
    conn.close().await.map_err(|e| SchemaError::Shadow {
        doing: "closing a shadow connection".into(),
        message: describe(&e),
    })
}
