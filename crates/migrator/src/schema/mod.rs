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

use protocol::diag::Diagnostic;
use protocol::text::{FileRef, MigratorNames, Text};

use crate::exit::ExitCode;

#[derive(Debug)]
pub enum SchemaError {
    Introspect {
        what: String,
        message: String,
    },
    Unsupported {
        object: String,
        reason: String,
    },
    SchemaFile {
        file: FileRef,
        position: String,
        message: String,
    },
    Replay {
        file: FileRef,
        position: String,
        message: String,
    },
    Shadow {
        doing: String,
        message: String,
    },
    /// A bad `-- admin:renamed-from` directive (the file reference carries the line).
    Rename {
        file: FileRef,
        message: String,
    },
    VerifyFailed {
        stage: String,
        residual: String,
    },
    Interrupted,
    Strict {
        count: usize,
        findings: String,
    },
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic().render(&MigratorNames))
    }
}

impl std::error::Error for SchemaError {}

/// `makemigrations --empty -m "…"`: the way out when a change must be written by hand.
const BY_HAND: [&str; 4] = ["makemigrations", "--empty", "-m", "\"…\""];

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

    /// The error as data (see [`crate::error::MigratorError::diagnostic`]).
    pub fn diagnostic(&self) -> Diagnostic {
        let code = self.exit_code().code();
        let d = |kind: &str, message: Text| Diagnostic::new(code, kind, message);
        fn p(s: impl Into<String>) -> Text {
            Text::plain(s)
        }
        match self {
            SchemaError::Introspect { what, message } => d(
                "introspect",
                p(format!("cannot read the schema ({what}): {message}")),
            ),
            SchemaError::Unsupported { object, reason } => d(
                "unsupported",
                p(format!(
                    "cannot generate a migration for {object}: {reason}\nnothing was written"
                )),
            )
            .hint(p("write this change by hand: ").cmd(&BY_HAND)),
            SchemaError::SchemaFile {
                file,
                position,
                message,
            } => d(
                "schema_file",
                p("")
                    .file(file.clone())
                    .t(format!(
                        " is rejected by PostgreSQL{position}: {message}\nnothing was written"
                    )),
            )
            .hint(
                p("fix ")
                    .file(file.clone())
                    .t(", then run: ")
                    .cmd(&["makemigrations", "-m", "\"…\""]),
            ),
            SchemaError::Replay {
                file,
                position,
                message,
            } => d(
                "replay",
                p("replaying migration ")
                    .file(file.clone())
                    .t(format!(
                        " into a shadow database failed{position}: {message}\nnothing was written"
                    )),
            )
            .hint(
                p("fix the migration so it applies on an empty database (check with: ")
                    .cmd(&["sqlmigrate", "<VERSION>"])
                    .t(")"),
            ),
            SchemaError::Shadow { doing, message } => d(
                "shadow",
                p(format!("shadow database error while {doing}: {message}")),
            )
            .hint(p(
                "the DATABASE_URL role needs CREATEDB, or set SHADOW_DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/postgres",
            )),
            SchemaError::Rename { file, message } => d(
                "rename",
                p("").file(file.clone()).t(format!(": {message}")),
            )
            .hint(p(
                "write `-- admin:renamed-from <old_name>` on the line of the renamed table or column",
            )),
            SchemaError::VerifyFailed { stage, residual } => d(
                "verify_failed",
                p(format!(
                    "the generated migration failed its proof ({stage}); nothing was written\n{residual}"
                )),
            )
            .hint(
                p("write this migration by hand (")
                    .cmd(&BY_HAND)
                    .t("), or skip the proof with --no-verify"),
            ),
            SchemaError::Interrupted => d(
                "interrupted",
                p("interrupted; the shadow databases were dropped and nothing was written"),
            ),
            SchemaError::Strict { count, findings } => d(
                "strict",
                p(format!(
                    "--strict: the migration has {count} finding(s); nothing was written\n{findings}"
                )),
            )
            .hint(
                p("review the findings, then run without --strict: ")
                    .cmd(&["makemigrations", "-m", "\"…\""]),
            ),
        }
    }
}
