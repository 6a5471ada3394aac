//! Each [`MigratorError`] as data: kind, exit code, message and hint, with files and commands
//! as references (rendered by the printing side's names).

use super::*;

impl MigratorError {
    /// The error as data: kind, message and hint with files and commands as references.
    pub fn diagnostic(&self) -> Diagnostic {
        use MigratorError::*;
        let code = self.exit_code().code();
        let d = |kind: &str, message: Text| Diagnostic::new(code, kind, message);
        match self {
            NoDatabaseUrl { var } if var == "DATABASE_URL" => {
                d("no_database_url", p("no database URL given")).hint(p(
                    "set DATABASE_URL or pass --database-url postgres://USER:PASSWORD@HOST:5432/DB",
                ))
            }
            NoDatabaseUrl { var } => d(
                "no_database_url",
                p(format!("no database URL given: {var} is not set (or empty)")),
            )
            .hint(p(format!(
                "set {var}=postgres://USER:PASSWORD@HOST:5432/DB"
            ))),
            Connect { url, message } => d(
                "connect",
                p(format!("cannot connect to the database at {url}: {message}")),
            )
            .hint(p("check that PostgreSQL is running and DATABASE_URL is right")),
            Database { doing, message } => {
                d("database", p(format!("database error while {doing}: {message}")))
            }
            LockTimeout {
                seconds,
                database,
                holder,
            } => d(
                "lock_timeout",
                p(format!(
                    "timed out after {seconds}s waiting for the migration lock on database {database}, held by {holder}"
                )),
            )
            .hint(
                p("wait for the other migration to finish, or raise --lock-timeout (e.g. ")
                    .cmd(&["migrate", "--lock-timeout", "300"])
                    .t(")"),
            ),
            MigrationFailed {
                file,
                position,
                message,
                earlier,
            } => {
                let earlier = if *earlier > 0 {
                    format!("; the {earlier} migration(s) before it in this run stay applied")
                } else {
                    String::new()
                };
                d(
                    "migration_failed",
                    p("migration ").file(file.clone()).t(format!(
                        " failed{position}: {message}\nno changes from this migration were kept (it ran in a transaction){earlier}"
                    )),
                )
                .hint(p("fix the file, then run: ").cmd(&["migrate"]))
            }
            NoTxMigrationFailed {
                file,
                position,
                message,
                detail,
                hint,
            } => d(
                "no_transaction_failed",
                p("no-transaction migration ")
                    .file(file.clone())
                    .t(format!(
                        " failed{position}: {message}\nits statement ran outside a transaction: check the database state before retrying"
                    ))
                    .then(detail.clone()),
            )
            .hint(hint.clone()),
            NoTxDowngradeFailed {
                file,
                position,
                message,
                detail,
                hint,
            } => d(
                "no_transaction_down_failed",
                p("no-transaction down migration ")
                    .file(file.clone())
                    .t(format!(
                        " failed{position}: {message}\nit ran outside a transaction; this migration stays recorded as applied"
                    ))
                    .then(detail.clone()),
            )
            .hint(hint.clone()),
            Leftover { what, repair } => d(
                "leftover",
                what.clone().then(p("\nnothing was run")),
            )
            .hint(repair.clone()),
            DowngradeFailed {
                file,
                position,
                message,
            } => d(
                "down_failed",
                p("down migration ")
                    .file(file.clone())
                    .t(format!(" failed{position}: {message}\nthis migration stays applied")),
            )
            .hint(p("fix the file, then run: ").cmd(&["downgrade"])),
            Refused {
                file,
                what,
                fix,
                retry,
            } => d(
                "refused",
                p("")
                    .file(file.clone())
                    .t(format!(" is refused: {what}\nnothing was run")),
            )
            .hint(p(format!("{fix}, then run: ")).cmd(retry)),
            Modified { version, file } => d(
                "modified",
                p(format!("applied migration {version} was modified: "))
                    .file(file.clone())
                    .t(" no longer matches the checksum recorded when it ran\nnothing was run"),
            )
            .hint(
                p("restore the file (git checkout -- ")
                    .file(file.clone())
                    .t("); to change the schema, add a new migration: ")
                    .cmd(&MAKE),
            ),
            Missing {
                version,
                description,
                dir,
            } => d(
                "missing",
                p(format!(
                    "migration {version} ({description}) is applied but its file is missing from "
                ))
                .file(dir.clone())
                .t("\nnothing was run"),
            )
            .hint(p(
                "restore the file (e.g. from git), or revert it from the branch that has it",
            )),
            Dirty { version } => d(
                "dirty",
                p(format!(
                    "migration {version} is marked as failed (success = false) in _sqlx_migrations\nnothing was run"
                )),
            )
            .hint(p(format!(
                "repair the database by hand, then delete the row: DELETE FROM _sqlx_migrations WHERE version = {version}"
            ))),
            OutOfOrder { file, newest } => d(
                "out_of_order",
                p("pending migration ")
                    .file(file.clone())
                    .t(format!(
                        " is older than the newest applied migration {newest}\nnothing was run"
                    )),
            )
            .hint(
                p("give it a newer version (rename the file), or run: ")
                    .cmd(&["migrate", "--allow-out-of-order"]),
            ),
            MigrationsDir { dir, source } => d(
                "migrations_dir",
                p("cannot read the migrations folder ")
                    .file(dir.clone())
                    .t(format!(": {source}")),
            )
            .hint(
                p("create it with: ")
                    .cmd(&["makemigrations", "-m", "init"])
                    .t(", or pass --migrations-dir"),
            ),
            ReadFile { file, source } => d(
                "read_file",
                p("cannot read ").file(file.clone()).t(format!(": {source}")),
            ),
            WriteFile { file, source } => d(
                "write_file",
                p("cannot write ").file(file.clone()).t(format!(": {source}")),
            ),
            NotUtf8 { file } => d("not_utf8", p("").file(file.clone()).t(" is not valid UTF-8"))
                .hint(p("save the file as UTF-8")),
            BadFileName { file } => d(
                "bad_file_name",
                p("bad migration file name ").file(file.clone()).t(
                    ": expected <VERSION>_<description>.up.sql / .down.sql with an integer VERSION",
                ),
            )
            .hint(p("rename the file, e.g. 20260101120000_add_users.up.sql")),
            DuplicateVersion {
                version,
                first,
                second,
            } => d(
                "duplicate_version",
                p(format!("two files have version {version}: "))
                    .file(first.clone())
                    .t(" and ")
                    .file(second.clone()),
            )
            .hint(p("give one of them a new version (rename it)")),
            NoVersionLeft { file, version } => d(
                "no_version_left",
                p("")
                    .file(file.clone())
                    .t(format!(
                        " has version {version}: no version is left after it (versions are 64-bit integers)\nnothing was written"
                    )),
            )
            .hint(
                p("give it a timestamp version (rename it, e.g. to 20260101120000_<description>.up.sql), then run: ")
                    .cmd(&["makemigrations"]),
            ),
            SchemaFileMissing { file, given_by } => d(
                "schema_file_missing",
                p("schema file ")
                    .file(file.clone())
                    .t(format!(" does not exist (given by {given_by})\nnothing was written")),
            )
            .hint(
                p("fix the path (or create the file), then run: ")
                    .cmd(&["makemigrations", "--schema", "<FILE>"]),
            ),
            BaselineNotEmpty { dir, count } => d(
                "baseline_not_empty",
                p("baseline starts a history, but ")
                    .file(dir.clone())
                    .t(format!(" already has {count} migration(s); nothing was written")),
            )
            .hint(
                p("to record changes made since, generate a migration from the database: ")
                    .cmd(&["makemigrations", "--from-database", "-m", "\"…\""]),
            ),
            BaselineApplied { count } => d(
                "baseline_applied",
                p(format!(
                    "baseline adopts a database no migration tool of ours has touched, but this one has {count} migration(s) applied; nothing was written"
                )),
            )
            .hint(p("see what it has: ").cmd(&["history"])),
            ResetProduction { word } => d(
                "reset_production",
                p(format!(
                    "reset refuses this database: its name or host says `{word}` (reset is for development databases); nothing was changed"
                )),
            )
            .hint(p(
                "point DATABASE_URL at a development database; a production database is never reset by this tool",
            )),
            ResetNeedsYes => d(
                "reset_needs_yes",
                p("reset drops every object of the database and there is no terminal to ask on; nothing was changed"),
            )
            .hint(p("confirm it: ").cmd(&["reset", "--yes"])),
            ResetDeclined => d("reset_declined", p("reset was not confirmed; nothing was changed")),
            PullExists { file } => d(
                "pull_exists",
                p("").file(file.clone()).t(" exists; nothing was written"),
            )
            .hint(
                p("replace it: ")
                    .cmd(&["pull", "--force"])
                    .t(", or write another file: ")
                    .cmd(&["pull", "-o", "<FILE>"]),
            ),
            GraphNoSchema { file, given_by } => d(
                "graph_no_schema",
                p("there is no schema file at ").file(file.clone()).t(match given_by {
                    Some(by) => format!(" (given by {by}); nothing was drawn"),
                    None => "; nothing was drawn".into(),
                }),
            )
            .hint(
                p("write it from the database: ")
                    .cmd(&["pull"])
                    .t(", create it (the declarative schema, see the README), or draw the database: ")
                    .cmd(&["graph", "--from-database"]),
            ),
            GraphExists { file } => d(
                "graph_exists",
                p("").file(file.clone()).t(" exists; nothing was written"),
            )
            .hint(
                p("replace it: ")
                    .cmd(&["graph", "-o", &file.shown, "--force"])
                    .t(", or write another file"),
            ),
            PullProof { residual } => d(
                "pull_proof",
                p(format!(
                    "the pulled schema does not rebuild this database's schema when loaded into an empty database; nothing was written\n{residual}"
                )),
            )
            .hint(p(
                "report it with the output of -v; until then, dump the schema with pg_dump --schema-only",
            )),
            NothingToCheck { file } => d(
                "nothing_to_check",
                p("makemigrations --check has nothing to compare: there is no schema file at ")
                    .file(file.clone())
                    .t("\nnothing was checked (a check that cannot compare does not pass)"),
            )
            .hint(
                p("create it (the declarative schema, see the README), or name yours: ")
                    .cmd(&["makemigrations", "--check", "--schema", "<FILE>"]),
            ),
            OrphanDown { file } => d(
                "orphan_down",
                p("").file(file.clone()).t(" has no matching .up.sql file"),
            )
            .hint(p("add the up file or delete the down file")),
            OutsideDir { file, dir } => d(
                "outside_dir",
                p("")
                    .file(file.clone())
                    .t(" would be written outside the migrations folder ")
                    .file(dir.clone()),
            ),
            UnknownVersion { version } => d(
                "unknown_version",
                p(format!("no migration has version {version}")),
            )
            .hint(p("list versions with: ").cmd(&["history"])),
            NoDownFile {
                version,
                description,
                expected,
                stamp_to,
            } => {
                let mut msg = p(format!("migration {version} ({description}) has no down file"));
                msg = match expected {
                    Some(e) => msg.t(" (expected ").file(e.clone()).t(")"),
                    None => msg.t(" (a simple, irreversible migration: it has only an up file)"),
                };
                let hint = match (expected, stamp_to) {
                    (Some(e), Some(v)) => p("write ")
                        .file(e.clone())
                        .t(", or record the database as being at the version below without running anything: ")
                        .cmd(&["stamp".to_string(), v.to_string()]),
                    (Some(e), None) => p("write ").file(e.clone()),
                    (None, Some(v)) => p("record the database as being at the version below without running anything: ")
                        .cmd(&["stamp".to_string(), v.to_string()]),
                    (None, None) => p("revert it by hand with a new migration: ")
                        .cmd(&["makemigrations", "--empty", "-m", "revert"]),
                };
                d("no_down_file", msg.t("\nnothing was reverted")).hint(hint)
            }
            TooManySteps { steps, applied } => d(
                "too_many_steps",
                p(format!(
                    "cannot go back {steps} step(s): only {applied} migration(s) are applied"
                )),
            )
            .hint(p("revert everything with: ").cmd(&["downgrade", "zero"])),
            TooFewPending { steps, pending: 0 } => d(
                "too_few_pending",
                p(format!("cannot apply {steps} migration(s): none is pending")),
            )
            .hint(p("see where the database is with: ").cmd(&["history"])),
            TooFewPending { steps, pending } => d(
                "too_few_pending",
                p(format!(
                    "cannot apply {steps} migration(s): only {pending} migration(s) are pending"
                )),
            )
            .hint(p("apply every pending one with: ").cmd(&["migrate", "head"])),
            AlreadyApplied { version } => d(
                "already_applied",
                p(format!("migration {version} is already applied")),
            )
            .hint(p("to go back to it, run: ").cmd(&["downgrade", &version.to_string()])),
            NotApplied { version } => d(
                "not_applied",
                p(format!("version {version} is not applied")),
            )
            .hint(p("list applied versions with: ").cmd(&["history"])),
            Bundle(e) => d("bundle", p(e.to_string())),
            Output(e) => d("output", p(format!("cannot write output: {e}"))),
            Schema(e) => e.diagnostic(),
            Squash(e) => e.diagnostic(),
        }
    }
}
