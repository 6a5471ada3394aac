//! Autogenerate: diff the schema the migrations build against a declarative `schema.sql`, and
//! prove the generated migration by round trip before writing it.
//!
//! - [`introspect`] reads a database's schema into a [`model::Schema`] (fixed query count).
//! - [`diff`] turns two models into an ordered [`diff::Plan`] (pure; unit-tested).
//! - [`renames`] reads `-- admin:renamed-from <old>` directives from schema.sql.
//! - [`shadow`] builds "current" (migrations replayed) and "desired" (schema.sql) databases.
//! - [`cache`] keeps the replayed state and a blank database between runs.
//! - [`verify`] applies up/down in a rolled-back transaction and re-diffs; [`lint`] flags
//!   risky operations.

pub mod cache;
pub mod diff;
pub mod generate;
pub mod introspect;
pub mod lint;
pub mod model;
pub mod renames;
pub mod runs;
pub mod shadow;
pub mod verify;

use crate::exit::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("cannot read the schema ({what}): {message}")]
    Introspect { what: String, message: String },

    #[error(
        "cannot generate a migration for {object}: {reason}\nnothing was written\nhint: write this change by hand: migrator makemigrations --empty -m \"…\""
    )]
    Unsupported { object: String, reason: String },

    #[error(
        "{path} is rejected by PostgreSQL{position}: {message}\nnothing was written\nhint: fix {path}, then run: migrator makemigrations -m \"…\""
    )]
    SchemaFile {
        path: String,
        position: String,
        message: String,
    },

    #[error(
        "replaying migration {file} into a shadow database failed{position}: {message}\nnothing was written\nhint: fix the migration so it applies on an empty database (check with: migrator sqlmigrate <VERSION>)"
    )]
    Replay {
        file: String,
        position: String,
        message: String,
    },

    #[error(
        "shadow database error while {doing}: {message}\nhint: the DATABASE_URL role needs CREATEDB, or set SHADOW_DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/postgres"
    )]
    Shadow { doing: String, message: String },

    #[error(
        "{path}:{line}: {message}\nhint: write `-- admin:renamed-from <old_name>` on the line of the renamed table or column"
    )]
    Rename {
        path: String,
        line: usize,
        message: String,
    },

    #[error(
        "the generated migration failed its proof ({stage}); nothing was written\n{residual}\nhint: write this migration by hand (migrator makemigrations --empty -m \"…\"), or skip the proof with --no-verify"
    )]
    VerifyFailed { stage: String, residual: String },

    #[error("interrupted; the shadow databases were dropped and nothing was written")]
    Interrupted,

    #[error(
        "--strict: the migration has {count} finding(s); nothing was written\n{findings}\nhint: review the findings, then run without --strict: migrator makemigrations -m \"…\""
    )]
    Strict { count: usize, findings: String },
}

impl SchemaError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            SchemaError::Introspect { .. } | SchemaError::Shadow { .. } => ExitCode::Failure,
            SchemaError::Strict { .. } => ExitCode::Failure,
            SchemaError::Unsupported { .. }
            | SchemaError::SchemaFile { .. }
            | SchemaError::Replay { .. }
            | SchemaError::Rename { .. } => ExitCode::InvalidInput,
            SchemaError::VerifyFailed { .. } => ExitCode::VerifyFailed,
            SchemaError::Interrupted => ExitCode::Interrupted,
        }
    }
}
