//! Exit codes shared by `admin` and `migrator`. Documented in README.md ("Exit codes");
//! `admin` passes the migrator's code through unchanged, so the two sets never overlap.

/// Every exit code either binary can return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything worked.
    Success,
    /// Generic failure; also "changes detected" (`makemigrations --check`) and
    /// "variables missing" (`env_check`).
    Failure,
    /// Bad command line (clap's own code).
    Usage,
    /// The database cannot be reached (connect refused, auth failed, DNS, bad URL).
    DatabaseUnreachable,
    /// Another migrator holds the migration lock past `--lock-timeout`.
    LockTimeout,
    /// A migration's SQL failed; it was rolled back.
    MigrationFailed,
    /// An applied migration was modified or is missing, or a pending one is out of order.
    Integrity,
    /// Invalid input: a bad migration file name, a missing down file, a bad target, an
    /// unreadable file, a schema.sql Postgres rejects.
    InvalidInput,
    /// A generated migration failed its round-trip proof; nothing was written.
    VerifyFailed,
    /// The Compose file cannot be found or parsed, or names no usable service.
    Compose,
    /// The Docker engine cannot be reached.
    DockerUnreachable,
    /// The API service's container is not running.
    ContainerNotRunning,
    /// Interrupted by Ctrl-C.
    Interrupted,
    /// A code passed through from an external process (the migrator, a shell command).
    External(u8),
}

impl ExitCode {
    /// The numeric process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Failure => 1,
            ExitCode::Usage => 2,
            ExitCode::DatabaseUnreachable => 3,
            ExitCode::LockTimeout => 4,
            ExitCode::MigrationFailed => 5,
            ExitCode::Integrity => 6,
            ExitCode::InvalidInput => 7,
            ExitCode::VerifyFailed => 8,
            ExitCode::Compose => 10,
            ExitCode::DockerUnreachable => 11,
            ExitCode::ContainerNotRunning => 12,
            ExitCode::Interrupted => 130,
            ExitCode::External(c) => c,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c.code())
    }
}

/// The exit code an error chain maps to: the first error in the chain that `code_of` knows
/// (each binary knows its own error types), else [`ExitCode::Failure`].
pub fn of(
    err: &anyhow::Error,
    code_of: fn(&(dyn std::error::Error + 'static)) -> Option<ExitCode>,
) -> ExitCode {
    err.chain().find_map(code_of).unwrap_or(ExitCode::Failure)
}

#[cfg(test)]
mod tests {
    use super::ExitCode::*;

    #[test]
    fn codes_are_distinct() {
        let all = [
            Success,
            Failure,
            Usage,
            DatabaseUnreachable,
            LockTimeout,
            MigrationFailed,
            Integrity,
            InvalidInput,
            VerifyFailed,
            Compose,
            DockerUnreachable,
            ContainerNotRunning,
            Interrupted,
        ];
        let mut codes: Vec<u8> = all.iter().map(|c| c.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }
}
