//! `migrator` command line (clap derive, no logic). These types are also the admin→migrator
//! protocol: [`crate::argv`] turns them back into argv and tests the round trip.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};

use crate::output::Format;

/// Applies, reverts and generates PostgreSQL migrations (sqlx-compatible files and table).
#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "migrator", version, about, long_about = None)]
pub struct Cli {
    /// PostgreSQL URL (the password is never printed).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// Folder with `<VERSION>_<slug>.up.sql` / `.down.sql` files [default: ./migrations].
    #[arg(long, env = "MIGRATIONS_DIR", global = true)]
    pub migrations_dir: Option<PathBuf>,

    /// Output format: `json` prints machine-readable results (and events) on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    pub format: Format,

    /// More detail on stderr (repeatable).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Read the migration files and schema.sql from a file bundle on stdin (what `admin`
    /// sends from the developer's working tree) instead of the file system; makemigrations then
    /// returns the new pair instead of writing it.
    #[arg(long, global = true)]
    pub bundle: bool,

    /// Speak the admin protocol: stdout carries one JSON message per line (progress events,
    /// status, warnings, the outcome, an error as data); used by `admin`.
    #[arg(long, global = true)]
    pub protocol: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// Where makemigrations' shadow databases go (help text of both binaries).
pub const SHADOW_HELP: &str = "Shadow databases go to SHADOW_DATABASE_URL's server when it is set (a scratch server without \
durability, like the reference stack's `shadow` service, is 3-5x faster), else to \
DATABASE_URL's (its role needs CREATEDB).";

/// The migrator's subcommands.
#[derive(Debug, Clone, PartialEq, Subcommand)]
pub enum Command {
    /// Write a new migration pair (`.up.sql` / `.down.sql`).
    #[command(after_help = SHADOW_HELP)]
    Makemigrations(MakemigrationsArgs),
    /// Apply pending migrations (all, or up to VERSION).
    Migrate(MigrateArgs),
    /// Revert applied migrations: -N steps (default -1), down to VERSION, or `zero`.
    Downgrade(DowngradeArgs),
    /// Every migration: version, description, state, applied at, duration; `!` and a warning
    /// mark what an interrupted no-transaction migration left, with its repair command.
    History,
    /// The newest applied migration, or "none".
    Current,
    /// Record migrations as applied without running them (up to VERSION or `head`).
    Stamp(StampArgs),
    /// Print the SQL of a migration.
    Sqlmigrate(SqlmigrateArgs),
    /// Compare the live database with the state its applied migrations build (replayed on a
    /// shadow database): exit 0 when they match, 1 listing what was changed by hand.
    Drift,
    /// Write schema.sql from the live database (every managed object, proven: loading the file
    /// into an empty database gives the same schema).
    Pull(PullArgs),
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct PullArgs {
    /// Where to write [default: the schema file makemigrations reads].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the file when it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct MakemigrationsArgs {
    /// What the migration does; becomes the file name slug.
    #[arg(short, long, default_value = "init")]
    pub message: String,
    /// Write an empty pair (no schema diff).
    #[arg(long)]
    pub empty: bool,
    /// The declarative schema to generate from [default: schema.sql beside the migrations
    /// folder, optional]. A path given here or in SCHEMA_FILE must exist.
    #[arg(long = "schema", value_name = "FILE", env = "SCHEMA_FILE")]
    pub schema: Option<PathBuf>,
    /// Exit 1 when schema.sql has changes no migration captures; write nothing.
    #[arg(long)]
    pub check: bool,
    /// Refuse (write nothing) when the lint finds anything (destructive, data-dependent, locking).
    #[arg(long)]
    pub strict: bool,
    /// Skip the round-trip proof of the generated migration (experts only).
    #[arg(long)]
    pub no_verify: bool,
    /// Use only temporary shadow databases. By default the state the migrations build is
    /// kept between runs in `migrator_cache_<hash>` databases on the shadow server (the 3
    /// newest per role stay), schema.sql is loaded into `migrator_cache_blank_<hash>` inside a
    /// transaction that is rolled back, and a schema.sql seen again within 8 runs is kept as
    /// `migrator_cache_schema_<hash>`; all per role; drop those databases freely, they are
    /// rebuilt.
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct MigrateArgs {
    /// Apply up to and including this version (default: all pending).
    pub version: Option<i64>,
    /// Show what would run, run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply pending migrations older than the newest applied one.
    #[arg(long)]
    pub allow_out_of_order: bool,
    /// Seconds to wait for the migration lock held by another migrator.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub lock_timeout: u64,
}

#[derive(Debug, Clone, PartialEq, Args)]
#[command(allow_negative_numbers = true)]
pub struct DowngradeArgs {
    /// -N (N steps back), VERSION (revert everything above it) or `zero` (revert all).
    #[arg(default_value = "-1")]
    pub target: DowngradeTarget,
    /// Show what would be reverted, run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds to wait for the migration lock held by another migrator.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub lock_timeout: u64,
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct StampArgs {
    /// A version, or `head` for the newest migration file.
    pub target: StampTarget,
    /// Seconds to wait for the migration lock held by another migrator.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub lock_timeout: u64,
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct SqlmigrateArgs {
    /// The migration's version.
    pub version: i64,
    /// Print the down script instead of the up script.
    #[arg(long)]
    pub down: bool,
}

/// Where `downgrade` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DowngradeTarget {
    /// N steps back.
    Steps(u32),
    /// Revert everything above this version.
    Version(i64),
    /// Revert everything.
    Zero,
}

impl FromStr for DowngradeTarget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "zero" {
            return Ok(DowngradeTarget::Zero);
        }
        if let Some(n) = s.strip_prefix('-') {
            return match n.parse::<u32>() {
                Ok(n) if n > 0 => Ok(DowngradeTarget::Steps(n)),
                _ => Err(format!(
                    "`{s}` is not a step count; use -N with N >= 1 (e.g. -1)"
                )),
            };
        }
        s.parse::<i64>()
            .ok()
            .filter(|v| *v >= 0)
            .map(DowngradeTarget::Version)
            .ok_or_else(|| format!("`{s}` is not -N, a VERSION or `zero`"))
    }
}

impl fmt::Display for DowngradeTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DowngradeTarget::Steps(n) => write!(f, "-{n}"),
            DowngradeTarget::Version(v) => write!(f, "{v}"),
            DowngradeTarget::Zero => f.write_str("zero"),
        }
    }
}

/// Where `stamp` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StampTarget {
    /// The newest migration file.
    Head,
    /// A given version.
    Version(i64),
}

impl FromStr for StampTarget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "head" {
            return Ok(StampTarget::Head);
        }
        s.parse::<i64>()
            .map(StampTarget::Version)
            .map_err(|_| format!("`{s}` is not a VERSION or `head`"))
    }
}

impl fmt::Display for StampTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StampTarget::Head => f.write_str("head"),
            StampTarget::Version(v) => write!(f, "{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn downgrade_targets_parse() {
        assert_eq!("-3".parse(), Ok(DowngradeTarget::Steps(3)));
        assert_eq!("zero".parse(), Ok(DowngradeTarget::Zero));
        assert_eq!(
            "20260101000000".parse(),
            Ok(DowngradeTarget::Version(20260101000000))
        );
        assert!("-0".parse::<DowngradeTarget>().is_err());
        assert!("abc".parse::<DowngradeTarget>().is_err());
    }

    #[test]
    fn negative_step_parses_as_positional() {
        let cli = Cli::try_parse_from(["migrator", "downgrade", "-3"]).map_err(|e| e.to_string());
        let cli = cli.as_ref().map(|c| c.command.clone());
        assert_eq!(
            cli,
            Ok(Command::Downgrade(DowngradeArgs {
                target: DowngradeTarget::Steps(3),
                dry_run: false,
                lock_timeout: 60
            }))
        );
    }
}
