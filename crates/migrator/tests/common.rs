//! What the migrator's integration tests share: a project folder with its own database, run
//! through the real `migrator` binary (the generic Run/Out builder and the cluster are in
//! `testkit`).

use std::path::PathBuf;

pub use testkit::{Out, Run, figures, pg, wait};

/// A temp project folder with `migrations/` and its own database.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl Project {
    pub async fn new() -> Project {
        let url = pg::cluster().create_db().await;
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        if let Err(e) = std::fs::create_dir(dir.path().join("migrations")) {
            panic!("mkdir: {e}");
        }
        Project { dir, url }
    }

    pub fn migrations(&self) -> PathBuf {
        self.dir.path().join("migrations")
    }

    /// Writes `<version>_<name>.up.sql` (and `.down.sql` when given).
    pub fn add(&self, version: i64, name: &str, up: &str, down: Option<&str>) -> &Self {
        self.write(&format!("{version}_{name}.up.sql"), up);
        if let Some(d) = down {
            self.write(&format!("{version}_{name}.down.sql"), d);
        }
        self
    }

    /// File names in `migrations/`, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = match std::fs::read_dir(self.migrations()) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect(),
            Err(e) => panic!("{e}"),
        };
        v.sort();
        v
    }

    pub fn write(&self, file: &str, body: &str) {
        if let Err(e) = std::fs::write(self.migrations().join(file), body) {
            panic!("write {file}: {e}");
        }
    }

    /// The migrator with DATABASE_URL and MIGRATIONS_DIR set for this project.
    pub fn migrator(&self) -> Run {
        Run::bin(env!("CARGO_BIN_EXE_migrator"))
            .env("DATABASE_URL", &self.url)
            .env("MIGRATIONS_DIR", self.migrations())
            .current_dir(self.dir.path())
    }

    pub async fn conn(&self) -> sqlx::PgConnection {
        pg::connect(&self.url).await
    }

    /// Versions recorded in `_sqlx_migrations` (empty if the table does not exist).
    pub async fn recorded(&self) -> Vec<i64> {
        let mut c = self.conn().await;
        let exists: bool =
            scalar(&mut c, "SELECT to_regclass('_sqlx_migrations') IS NOT NULL").await;
        if !exists {
            return Vec::new();
        }
        match sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut c)
            .await
        {
            Ok(v) => v,
            Err(e) => panic!("read _sqlx_migrations: {e}"),
        }
    }

    /// Runs SQL statements on the project's database.
    pub async fn sql(&self, sql: &str) {
        let mut c = self.conn().await;
        if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
        {
            panic!("{sql}: {e}");
        }
    }

    /// Advisory locks held in the project's database.
    pub async fn advisory_locks(&self) -> i64 {
        let mut c = self.conn().await;
        scalar(
            &mut c,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .await
    }

    pub async fn table_exists(&self, name: &str) -> bool {
        let mut c = self.conn().await;
        match sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
            .bind(name)
            .fetch_one(&mut c)
            .await
        {
            Ok(v) => v,
            Err(e) => panic!("to_regclass: {e}"),
        }
    }
}

/// One scalar from a static query.
pub async fn scalar<T>(c: &mut sqlx::PgConnection, sql: &'static str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    match sqlx::query_scalar::<_, T>(sql).fetch_one(c).await {
        Ok(v) => v,
        Err(e) => panic!("{sql}: {e}"),
    }
}
