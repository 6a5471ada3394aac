//! The migrator's error type: one variant per thing a user can act on, each with its exit code
//! and a `hint:` line naming the next command.

use std::path::PathBuf;

use crate::exit::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum MigratorError {
    #[error(
        "no database URL given\nhint: set DATABASE_URL or pass --database-url postgres://USER:PASSWORD@HOST:5432/DB"
    )]
    NoDatabaseUrl,

    #[error(
        "cannot connect to the database at {url}: {message}\nhint: check that PostgreSQL is running and DATABASE_URL is right (`admin db env_check` checks the variables)"
    )]
    Connect { url: String, message: String },

    #[error("database error while {doing}: {message}")]
    Database { doing: String, message: String },

    #[error(
        "timed out after {seconds}s waiting for the migration lock on database {database}, held by {holder}\nhint: wait for the other migration to finish, or raise --lock-timeout (e.g. migrator migrate --lock-timeout 300)"
    )]
    LockTimeout {
        seconds: u64,
        database: String,
        holder: String,
    },

    #[error(
        "migration {file} failed{position}: {message}\nno changes from this migration were kept (it ran in a transaction){earlier}\nhint: fix the file, then run: migrator migrate"
    )]
    MigrationFailed {
        file: String,
        position: String,
        message: String,
        earlier: String,
    },

    #[error(
        "no-transaction migration {file} failed{position}: {message}\nits statement ran outside a transaction: check the database state before retrying{detail}\nhint: {hint}"
    )]
    NoTxMigrationFailed {
        file: String,
        position: String,
        message: String,
        /// Further lines (a leftover it made, what an error most likely means).
        detail: String,
        hint: String,
    },

    #[error(
        "no-transaction down migration {file} failed{position}: {message}\nit ran outside a transaction; this migration stays recorded as applied{detail}\nhint: {hint}"
    )]
    NoTxDowngradeFailed {
        file: String,
        position: String,
        message: String,
        detail: String,
        hint: String,
    },

    #[error("{what}\nnothing was run\nhint: {repair}")]
    Leftover { what: String, repair: String },

    #[error(
        "down migration {file} failed{position}: {message}\nthis migration stays applied\nhint: fix the file, then run: migrator downgrade"
    )]
    DowngradeFailed {
        file: String,
        position: String,
        message: String,
    },

    #[error(
        "migration {file} refused at line {line}, column {column}: {what}\nnothing was run\nhint: {fix}, then run: {retry}"
    )]
    Refused {
        file: String,
        line: usize,
        column: usize,
        what: String,
        fix: String,
        /// The command to run again once the file is fixed.
        retry: String,
    },

    #[error(
        "applied migration {version} was modified: {file} no longer matches the checksum recorded when it ran\nnothing was run\nhint: restore the file (git checkout -- {file}); to change the schema, add a new migration: migrator makemigrations -m \"…\""
    )]
    Modified { version: i64, file: String },

    #[error(
        "migration {version} ({description}) is applied but its file is missing from {dir}\nnothing was run\nhint: restore the file (e.g. from git), or revert it from the branch that has it"
    )]
    Missing {
        version: i64,
        description: String,
        dir: String,
    },

    #[error(
        "migration {version} is marked as failed (success = false) in _sqlx_migrations\nnothing was run\nhint: repair the database by hand, then delete the row: DELETE FROM _sqlx_migrations WHERE version = {version}"
    )]
    Dirty { version: i64 },

    #[error(
        "pending migration {file} is older than the newest applied migration {newest}\nnothing was run\nhint: give it a newer version (rename the file), or run: migrator migrate --allow-out-of-order"
    )]
    OutOfOrder { file: String, newest: i64 },

    #[error(
        "cannot read the migrations folder {path}: {source}\nhint: create it with: migrator makemigrations -m init, or pass --migrations-dir"
    )]
    MigrationsDir {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot read {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot write {path}: {source}")]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{path} is not valid UTF-8\nhint: save the file as UTF-8")]
    NotUtf8 { path: PathBuf },

    #[error(
        "bad migration file name {path}: expected <VERSION>_<description>.up.sql / .down.sql with an integer VERSION\nhint: rename the file, e.g. 20260101120000_add_users.up.sql"
    )]
    BadFileName { path: PathBuf },

    #[error(
        "two files have version {version}: {first} and {second}\nhint: give one of them a new version (rename it)"
    )]
    DuplicateVersion {
        version: i64,
        first: PathBuf,
        second: PathBuf,
    },

    #[error(
        "{file} has version {version}: no version is left after it (versions are 64-bit integers)\nnothing was written\nhint: give it a timestamp version (rename it, e.g. to 20260101120000_<description>.up.sql), then run: migrator makemigrations"
    )]
    NoVersionLeft { file: String, version: i64 },

    #[error(
        "schema file {path} does not exist (given by {given_by})\nnothing was written\nhint: fix the path (or create the file), then run: migrator makemigrations --schema <FILE>"
    )]
    SchemaFileMissing { path: String, given_by: String },

    #[error("{path} has no matching .up.sql file\nhint: add the up file or delete the down file")]
    OrphanDown { path: PathBuf },

    #[error("{path} would be written outside the migrations folder {dir}")]
    OutsideDir { path: PathBuf, dir: PathBuf },

    #[error("no migration has version {version}\nhint: list versions with: migrator history")]
    UnknownVersion { version: i64 },

    #[error(
        "migration {version} ({description}) has no down file{expected}\nnothing was reverted\nhint: write the down migration, or stamp instead: migrator stamp <VERSION>"
    )]
    NoDownFile {
        version: i64,
        description: String,
        expected: String,
    },

    #[error(
        "cannot go back {steps} step(s): only {applied} migration(s) are applied\nhint: revert everything with: migrator downgrade zero"
    )]
    TooManySteps { steps: u32, applied: usize },

    #[error(
        "migration {version} is already applied\nhint: to go back to it, run: migrator downgrade {version}"
    )]
    AlreadyApplied { version: i64 },

    #[error("version {version} is not applied\nhint: list applied versions with: migrator history")]
    NotApplied { version: i64 },

    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),

    #[error(transparent)]
    Schema(#[from] crate::schema::SchemaError),
}

impl MigratorError {
    pub fn exit_code(&self) -> ExitCode {
        use MigratorError::*;
        match self {
            NoDatabaseUrl => ExitCode::Usage,
            Connect { .. } => ExitCode::DatabaseUnreachable,
            Database { .. } | Output(_) => ExitCode::Failure,
            Schema(e) => e.exit_code(),
            LockTimeout { .. } => ExitCode::LockTimeout,
            MigrationFailed { .. }
            | NoTxMigrationFailed { .. }
            | DowngradeFailed { .. }
            | NoTxDowngradeFailed { .. } => ExitCode::MigrationFailed,
            Modified { .. }
            | Missing { .. }
            | Dirty { .. }
            | OutOfOrder { .. }
            | Leftover { .. } => ExitCode::Integrity,
            MigrationsDir { .. }
            | ReadFile { .. }
            | WriteFile { .. }
            | NotUtf8 { .. }
            | BadFileName { .. }
            | Refused { .. }
            | NoVersionLeft { .. }
            | SchemaFileMissing { .. }
            | DuplicateVersion { .. }
            | OrphanDown { .. }
            | OutsideDir { .. }
            | UnknownVersion { .. }
            | NoDownFile { .. }
            | TooManySteps { .. }
            | AlreadyApplied { .. }
            | NotApplied { .. } => ExitCode::InvalidInput,
        }
    }
}
