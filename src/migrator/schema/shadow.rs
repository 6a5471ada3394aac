//! Shadow databases on the migrations' server: "current" (every migration replayed) and
//! "desired" (schema.sql executed; PostgreSQL parses it). Every database created here is
//! dropped again (`DROP DATABASE … WITH (FORCE)`) on every path, errors included.

use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use super::SchemaError;
use super::model::ident;
use crate::migrator::db::failure_of;
use crate::migrator::files::LocalMigration;
use crate::redact;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A connection to the server plus the shadow databases created through it.
pub struct Shadows {
    admin: PgConnection,
    options: PgConnectOptions,
    secrets: Vec<String>,
    created: Vec<String>,
}

impl Shadows {
    /// Connects to `url` (SHADOW_DATABASE_URL, or else DATABASE_URL).
    pub async fn open(url: &str) -> Result<Shadows, SchemaError> {
        let secrets: Vec<String> = redact::url_password(url).into_iter().collect();
        let err = |m: String| SchemaError::Shadow {
            doing: format!("connecting to {}", redact::mask_url(url)),
            message: redact::scrub(&m, &secrets),
        };
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| err(e.to_string()))?
            .application_name("migrator-shadow");
        let admin = PgConnection::connect_with(&options)
            .await
            .map_err(|e| err(e.to_string()))?;
        Ok(Shadows {
            admin,
            options,
            secrets,
            created: Vec::new(),
        })
    }

    fn err(&self, doing: &str, e: &sqlx::Error) -> SchemaError {
        SchemaError::Shadow {
            doing: doing.to_string(),
            message: redact::scrub(&e.to_string(), &self.secrets),
        }
    }

    fn new_name() -> String {
        let nanos = chrono::Utc::now().timestamp_subsec_nanos();
        format!(
            "migrator_shadow_{}_{nanos}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        )
    }

    fn create_sql(name: &str, template: Option<&str>) -> String {
        match template {
            Some(t) => format!("CREATE DATABASE {} TEMPLATE {}", ident(name), ident(t)),
            None => format!(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'",
                ident(name)
            ),
        }
    }

    /// Creates an empty shadow database (or a copy of `template`); returns its name.
    pub async fn create(&mut self, template: Option<&str>) -> Result<String, SchemaError> {
        let name = Self::new_name();
        sqlx::raw_sql(AssertSqlSafe(Self::create_sql(&name, template)))
            .execute(&mut self.admin)
            .await
            .map_err(|e| self.err(&format!("creating shadow database {name}"), &e))?;
        self.created.push(name.clone());
        Ok(name)
    }

    /// Creates two empty shadow databases at the same time, the second over a second
    /// connection. Both names are recorded for the cleanup before anything runs.
    pub async fn create_two(&mut self) -> Result<(String, String), SchemaError> {
        let (first, second) = (Self::new_name(), Self::new_name());
        let mut other = PgConnection::connect_with(&self.options)
            .await
            .map_err(|e| self.err("opening a second shadow connection", &e))?;
        self.created.push(first.clone());
        self.created.push(second.clone());
        let (sql1, sql2) = (
            Self::create_sql(&first, None),
            Self::create_sql(&second, None),
        );
        let (r1, r2) = tokio::join!(
            sqlx::raw_sql(AssertSqlSafe(sql1)).execute(&mut self.admin),
            sqlx::raw_sql(AssertSqlSafe(sql2)).execute(&mut other)
        );
        close(other).await?;
        r1.map_err(|e| self.err(&format!("creating shadow database {first}"), &e))?;
        r2.map_err(|e| self.err(&format!("creating shadow database {second}"), &e))?;
        Ok((first, second))
    }

    /// A connection to one shadow database.
    pub async fn connect(&self, name: &str) -> Result<PgConnection, SchemaError> {
        let options = self.options.clone().database(name);
        PgConnection::connect_with(&options)
            .await
            .map_err(|e| self.err(&format!("connecting to shadow database {name}"), &e))
    }

    /// Drops every shadow database created here; the first error is returned after all
    /// drops were attempted.
    pub async fn drop_all(mut self) -> Result<(), SchemaError> {
        let mut first = None;
        for name in std::mem::take(&mut self.created) {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(&name));
            if let Err(e) = sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut self.admin)
                .await
            {
                first.get_or_insert(self.err(&format!("dropping shadow database {name}"), &e));
            }
        }
        let closed = self.admin.close().await;
        match (first, closed) {
            (Some(e), _) => Err(e),
            (None, Err(e)) => Err(SchemaError::Shadow {
                doing: "closing the shadow connection".into(),
                message: e.to_string(),
            }),
            (None, Ok(())) => Ok(()),
        }
    }

    /// Runs `work`, then drops every shadow database whatever `work` returned.
    pub async fn scoped<T>(
        url: &str,
        work: impl AsyncFnOnce(&mut Shadows) -> Result<T, SchemaError>,
    ) -> Result<T, SchemaError> {
        let mut shadows = Shadows::open(url).await?;
        // Ctrl-C / SIGTERM abandon the work (its connections close) but not the cleanup.
        let result = tokio::select! {
            r = work(&mut shadows) => r,
            () = interrupted() => Err(SchemaError::Interrupted),
        };
        let dropped = shadows.drop_all().await;
        match (result, dropped) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(e),
            (Ok(v), Ok(())) => Ok(v),
        }
    }

    /// Runs a script; on failure returns (position, message).
    pub async fn exec(&self, conn: &mut PgConnection, sql: &str) -> Result<(), (String, String)> {
        match sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let f = failure_of(sql, &e, &self.secrets);
                Err((f.position, f.message))
            }
        }
    }

    /// Replays every migration's up script into database `name`.
    pub async fn replay(
        &self,
        name: &str,
        migrations: &[LocalMigration],
    ) -> Result<(), SchemaError> {
        let mut conn = self.connect(name).await?;
        for m in migrations {
            if let Err((position, message)) = self.exec(&mut conn, &m.up_sql).await {
                return Err(SchemaError::Replay {
                    file: m.up_path.display().to_string(),
                    position,
                    message,
                });
            }
        }
        close(conn).await
    }

    /// Executes schema.sql (`path` for messages) into database `name`.
    pub async fn load_schema(&self, name: &str, path: &str, sql: &str) -> Result<(), SchemaError> {
        let mut conn = self.connect(name).await?;
        if let Err((position, message)) = self.exec(&mut conn, sql).await {
            return Err(SchemaError::SchemaFile {
                path: path.to_string(),
                position,
                message,
            });
        }
        close(conn).await
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

/// Closes a shadow connection (a copy by TEMPLATE needs the source to have none).
pub async fn close(conn: PgConnection) -> Result<(), SchemaError> {
    conn.close().await.map_err(|e| SchemaError::Shadow {
        doing: "closing a shadow connection".into(),
        message: e.to_string(),
    })
}
