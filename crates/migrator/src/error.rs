//! The migrator's error type: one variant per thing a user can act on, each with its exit code
//! and its next step. Every error is first a [`Diagnostic`] (files and commands as references);
//! its text is that diagnostic rendered the migrator's way. In protocol mode the diagnostic
//! itself goes to admin, which renders it with host paths and `admin db …` commands.

use protocol::diag::Diagnostic;
use protocol::text::{Base, FileRef, MigratorNames, Text};

use crate::exit::ExitCode;
use crate::schema::SchemaError;

mod diagnostic;

#[derive(Debug)]
pub enum MigratorError {
    NoDatabaseUrl {
        var: String,
    },
    Connect {
        url: String,
        message: String,
    },
    Database {
        doing: String,
        message: String,
    },
    LockTimeout {
        seconds: u64,
        database: String,
        holder: String,
    },
    MigrationFailed {
        file: FileRef,
        position: String,
        message: String,
        /// How many migrations of this run were applied before it.
        earlier: usize,
    },
    NoTxMigrationFailed {
        file: FileRef,
        position: String,
        message: String,
        /// Further lines (a leftover it made, what an error most likely means).
        detail: Text,
        hint: Text,
    },
    NoTxDowngradeFailed {
        file: FileRef,
        position: String,
        message: String,
        detail: Text,
        hint: Text,
    },
    Leftover {
        what: Text,
        repair: Text,
    },
    DowngradeFailed {
        file: FileRef,
        position: String,
        message: String,
    },
    Refused {
        file: FileRef,
        what: String,
        fix: String,
        /// The command to run again once the file is fixed (arguments after the program).
        retry: Vec<String>,
    },
    Modified {
        version: i64,
        file: FileRef,
    },
    Missing {
        version: i64,
        description: String,
        dir: FileRef,
    },
    Dirty {
        version: i64,
    },
    OutOfOrder {
        file: FileRef,
        newest: i64,
    },
    MigrationsDir {
        dir: FileRef,
        source: std::io::Error,
    },
    ReadFile {
        file: FileRef,
        source: std::io::Error,
    },
    WriteFile {
        file: FileRef,
        source: std::io::Error,
    },
    NotUtf8 {
        file: FileRef,
    },
    BadFileName {
        file: FileRef,
    },
    DuplicateVersion {
        version: i64,
        first: FileRef,
        second: FileRef,
    },
    NoVersionLeft {
        file: FileRef,
        version: i64,
    },
    SchemaFileMissing {
        file: FileRef,
        given_by: String,
    },
    NothingToCheck {
        file: FileRef,
    },
    /// `baseline` into a folder that has migrations.
    BaselineNotEmpty {
        dir: FileRef,
        count: usize,
    },
    /// `baseline` on a database that has migrations applied.
    BaselineApplied {
        count: usize,
    },
    /// `reset` on a database whose name or host marks production.
    ResetProduction {
        word: String,
    },
    /// `reset` without `--yes` and no terminal to ask on.
    ResetNeedsYes,
    /// `reset` was not confirmed.
    ResetDeclined,
    /// `pull` would overwrite a file.
    PullExists {
        file: FileRef,
    },
    /// `graph` without a schema file to draw.
    GraphNoSchema {
        file: FileRef,
        /// How the path was named explicitly (None: the default location).
        given_by: Option<String>,
    },
    /// `graph -o FILE` over an existing file without --force.
    GraphExists {
        file: FileRef,
    },
    /// The pulled schema does not rebuild the database's schema (nothing was written).
    PullProof {
        residual: String,
    },
    OrphanDown {
        file: FileRef,
    },
    OutsideDir {
        file: FileRef,
        dir: FileRef,
    },
    UnknownVersion {
        version: i64,
    },
    NoDownFile {
        version: i64,
        description: String,
        /// Where it was looked for (None: a simple, irreversible migration).
        expected: Option<FileRef>,
        /// The applied version below it, which `stamp` would record as current instead
        /// (None: it is the oldest applied one, or stamping is no answer here).
        stamp_to: Option<i64>,
    },
    TooManySteps {
        steps: u32,
        applied: usize,
    },
    /// `migrate +N` with fewer than N pending.
    TooFewPending {
        steps: u32,
        pending: usize,
    },
    AlreadyApplied {
        version: i64,
    },
    NotApplied {
        version: i64,
    },
    /// The file bundle on stdin (admin's) cannot be used.
    Bundle(protocol::bundle::BundleError),
    Output(std::io::Error),
    Schema(SchemaError),
    Squash(crate::squash::SquashError),
}

impl From<std::io::Error> for MigratorError {
    fn from(e: std::io::Error) -> Self {
        MigratorError::Output(e)
    }
}

impl From<SchemaError> for MigratorError {
    fn from(e: SchemaError) -> Self {
        MigratorError::Schema(e)
    }
}

impl From<protocol::bundle::BundleError> for MigratorError {
    fn from(e: protocol::bundle::BundleError) -> Self {
        MigratorError::Bundle(e)
    }
}

impl std::fmt::Display for MigratorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic().render(&MigratorNames))
    }
}

impl std::error::Error for MigratorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MigratorError::MigrationsDir { source, .. }
            | MigratorError::ReadFile { source, .. }
            | MigratorError::WriteFile { source, .. } => Some(source),
            MigratorError::Output(e) => Some(e),
            _ => None,
        }
    }
}

fn p(s: impl Into<String>) -> Text {
    Text::plain(s)
}

/// `makemigrations -m "…"` as a suggested command.
const MAKE: [&str; 3] = ["makemigrations", "-m", "\"…\""];

impl MigratorError {
    pub fn exit_code(&self) -> ExitCode {
        use MigratorError::*;
        match self {
            NoDatabaseUrl { .. } => ExitCode::Usage,
            Connect { .. } => ExitCode::DatabaseUnreachable,
            Database { .. } | Output(_) => ExitCode::Failure,
            Schema(e) => e.exit_code(),
            Squash(e) => e.exit_code(),
            PullProof { .. } => ExitCode::VerifyFailed,
            ResetProduction { .. } | ResetNeedsYes => ExitCode::Usage,
            ResetDeclined => ExitCode::Failure,
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
            | NothingToCheck { .. }
            | PullExists { .. }
            | GraphNoSchema { .. }
            | GraphExists { .. }
            | BaselineNotEmpty { .. }
            | BaselineApplied { .. }
            | DuplicateVersion { .. }
            | OrphanDown { .. }
            | OutsideDir { .. }
            | UnknownVersion { .. }
            | NoDownFile { .. }
            | TooManySteps { .. }
            | TooFewPending { .. }
            | AlreadyApplied { .. }
            | NotApplied { .. }
            | Bundle(_) => ExitCode::InvalidInput,
        }
    }
}

/// A file of the migrations folder, by path (as the migrator shows it: its path).
pub fn migration_ref(path: &std::path::Path) -> FileRef {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    FileRef::new(Base::Migration, name, path.display().to_string())
}

/// The migrations folder itself.
pub fn dir_ref(shown: &str) -> FileRef {
    FileRef::new(Base::MigrationsDir, "", shown)
}

/// The schema file as shown.
pub fn schema_ref(shown: &str) -> FileRef {
    let name = std::path::Path::new(shown)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.to_string());
    FileRef::new(Base::Schema, name, shown)
}

/// The first migrator error in an error chain, as data (for protocol mode).
pub fn diagnose(err: &anyhow::Error) -> Option<Diagnostic> {
    err.chain().find_map(|c| {
        c.downcast_ref::<MigratorError>()
            .map(MigratorError::diagnostic)
            .or_else(|| c.downcast_ref::<SchemaError>().map(SchemaError::diagnostic))
    })
}
