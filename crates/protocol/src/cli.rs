//! `migrator` command line (clap derive, no logic). These types are also the admin→migrator
//! protocol: [`crate::argv`] turns them back into argv and tests the round trip.

use std::ffi::OsStr;
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::str::FromStr;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};

use crate::output::Format;

/// Applies, reverts and generates PostgreSQL migrations (sqlx-compatible files and table).
#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "migrator", version, about, long_about = None)]
pub struct Cli {
    /// PostgreSQL URL (the password is never printed).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// Read the database URL from the environment variable VAR instead (what `admin
    /// --database NAME` passes for a database whose URL is not in DATABASE_URL); wins over
    /// DATABASE_URL and --database-url.
    #[arg(long, value_name = "VAR", global = true)]
    pub database_url_env: Option<String>,

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
    /// Apply pending migrations: all (`head`, the default), the next N (`+N`) or up to VERSION.
    Migrate(MigrateArgs),
    /// Revert applied migrations: -N steps (default -1), down to VERSION, or `base`/`zero`.
    Downgrade(DowngradeArgs),
    /// Every migration: version, description, state, applied at, duration; `<- current` marks
    /// the newest applied one; `!` and a warning mark what an interrupted no-transaction
    /// migration left, with its repair command.
    History,
    /// The newest applied migration, or "none".
    Current,
    /// Record migrations as applied without running them (up to VERSION, `head`), or none
    /// (`base`).
    Stamp(StampArgs),
    /// Print the SQL of a migration.
    Sqlmigrate(SqlmigrateArgs),
    /// Compare the live database with the state its applied migrations build (replayed on a
    /// shadow database): exit 0 when they match, 1 listing what was changed by hand.
    Drift,
    /// Write schema.sql from the live database (every managed object, proven: loading the file
    /// into an empty database gives the same schema).
    Pull(PullArgs),
    /// Development only: drop every object of the database, then apply every migration again.
    /// Refuses a database whose name or host says prod/production/prd/live; asks on a terminal,
    /// `--yes` otherwise.
    Reset(ResetArgs),
    /// Adopt an existing database: an initial migration that creates exactly its schema
    /// (proven), recorded as applied. Into an empty migrations folder only.
    Baseline(BaselineArgs),
    /// Replace the migrations FROM..=TO (FROM: the first migration) with one proven migration
    /// at TO's version that records the versions it replaces; databases that applied them see it
    /// as applied (their next `migrate` rewrites the bookkeeping), new ones apply only it.
    #[command(after_help = SHADOW_HELP)]
    Squash(SquashArgs),
    /// An entity-relationship diagram of schema.sql (or, with --from-database, of the live
    /// database): tables, keys and relationships, as Mermaid (for Markdown and GitHub) or a
    /// self-contained SVG; the same schema gives the same bytes.
    #[command(after_help = SHADOW_HELP)]
    Graph(GraphArgs),
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct SquashArgs {
    /// `[FROM] TO`: the versions of the first and the last migration to replace (FROM
    /// defaults to the first migration); at least two migrations.
    #[arg(value_name = "VERSION", required = true, num_args = 1..=2)]
    pub range: Vec<i64>,
    /// What the squashed migration says; becomes the file name slug.
    #[arg(short, long)]
    pub message: String,
    /// Concatenate the replaced scripts (ups in order, downs in reverse) instead of generating
    /// the schema difference: keeps data statements (INSERT, UPDATE…); still proven.
    #[arg(long)]
    pub concat: bool,
}

/// What `graph` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid `erDiagram` (renders in Markdown on GitHub and GitLab).
    #[default]
    Mermaid,
    /// A self-contained SVG image (no external tool needed).
    Svg,
}

impl GraphFormat {
    pub fn name(self) -> &'static str {
        match self {
            GraphFormat::Mermaid => "mermaid",
            GraphFormat::Svg => "svg",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct GraphArgs {
    /// Draw the live database instead of schema.sql (--schema / SCHEMA_FILE are then
    /// ignored).
    #[arg(long)]
    pub from_database: bool,
    /// What to write.
    #[arg(long = "to", value_enum, value_name = "FORMAT", default_value_t = GraphFormat::Mermaid)]
    pub to: GraphFormat,
    /// Write the diagram to FILE (whole, never over an existing file without --force)
    /// instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE when it exists.
    #[arg(long)]
    pub force: bool,
    /// The declarative schema to draw [default: schema.sql beside the migrations folder]. A
    /// path given here or in SCHEMA_FILE must exist.
    #[arg(long = "schema", value_name = "FILE", env = "SCHEMA_FILE")]
    pub schema: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct BaselineArgs {
    /// What the migration says; becomes the file name slug.
    #[arg(short, long, default_value = "baseline")]
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Args)]
pub struct ResetArgs {
    /// Do not ask (scripts, CI).
    #[arg(long)]
    pub yes: bool,
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
    /// Generate from the live database instead of schema.sql: the migration records what was
    /// changed by hand (`drift` lists them; to only check, use `drift`).
    #[arg(long, conflicts_with_all = ["schema", "empty", "check"])]
    pub from_database: bool,
}

#[derive(Debug, Clone, PartialEq, Args)]
#[command(allow_negative_numbers = true)]
pub struct MigrateArgs {
    /// `head` (every pending migration, the default), `+N` (the next N pending) or VERSION
    /// (up to and including it).
    #[arg(value_name = "TARGET", value_parser = TargetParser::<MigrateTarget>::new())]
    pub target: Option<MigrateTarget>,
    /// Check everything migrate checks (the scripts, no-transaction leftovers), then show
    /// what would run; run nothing.
    #[arg(long, conflicts_with = "plan")]
    pub dry_run: bool,
    /// Only list what would run, in order (version, description, direction, transaction):
    /// reads the files and `_sqlx_migrations`, checks integrity, takes no lock and does not
    /// check the scripts (`--dry-run` does).
    #[arg(long)]
    pub plan: bool,
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
    /// -N (N steps back, default -1), VERSION (revert everything above it), `base` or `zero`
    /// (revert everything).
    #[arg(default_value = "-1", value_parser = TargetParser::<DowngradeTarget>::new())]
    pub target: DowngradeTarget,
    /// Check everything downgrade checks (down files, the scripts; under the lock), then show
    /// what would be reverted; run nothing.
    #[arg(long, conflicts_with = "plan")]
    pub dry_run: bool,
    /// Only list what would be reverted, in order (version, description, direction,
    /// transaction): takes no lock and does not check the scripts (`--dry-run` does).
    #[arg(long)]
    pub plan: bool,
    /// Seconds to wait for the migration lock held by another migrator.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub lock_timeout: u64,
}

#[derive(Debug, Clone, PartialEq, Args)]
#[command(allow_negative_numbers = true)]
pub struct StampArgs {
    /// A VERSION, `head` (every migration file) or `base` (nothing applied: every row removed).
    #[arg(value_parser = TargetParser::<StampTarget>::new())]
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

/// A target refused by its parser: what is wrong (naming the accepted forms) and the command
/// to suggest instead, as `subcommand args` (the program name is added from clap's context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadTarget {
    pub message: String,
    pub subcommand: &'static str,
    pub args: String,
}

impl BadTarget {
    fn new(message: String, subcommand: &'static str, args: impl Into<String>) -> BadTarget {
        BadTarget {
            message,
            subcommand,
            args: args.into(),
        }
    }
}

impl fmt::Display for BadTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; try: {} {}",
            self.message, self.subcommand, self.args
        )
    }
}

/// A positional target: its forms, parsed without clap (also used by `FromStr`).
pub trait TargetForm: Sized + Clone + Send + Sync + 'static {
    fn parse_form(s: &str) -> Result<Self, BadTarget>;
}

/// The clap value parser of a [`TargetForm`]: a refused target reads
/// `error: <what is wrong and the accepted forms>` then `hint: <program> <subcommand> <args>`,
/// with the program as typed (`migrator`, `admin db`), exit code 2.
pub struct TargetParser<T>(PhantomData<fn() -> T>);

impl<T> TargetParser<T> {
    pub fn new() -> Self {
        TargetParser(PhantomData)
    }
}

impl<T> Default for TargetParser<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for TargetParser<T> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<T: TargetForm> TypedValueParser for TargetParser<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        T::parse_form(&text).map_err(|bad| {
            // `migrator migrate` / `admin db migrate`: the suggestion replaces the subcommand.
            let bin = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
            let program = bin.rsplit_once(' ').map_or("migrator", |(p, _)| p);
            clap::Error::raw(
                ErrorKind::InvalidValue,
                format!(
                    "{}\nhint: {program} {} {}\n",
                    bad.message, bad.subcommand, bad.args
                ),
            )
            .with_cmd(cmd)
        })
    }
}

const MIGRATE_FORMS: &str = "`head` (every pending migration, the default), `+N` with N >= 1 (the next N pending) or a VERSION (up to and including it)";
const DOWNGRADE_FORMS: &str = "`-N` with N >= 1 (N steps back, the default is -1), a VERSION (revert everything above it), `base` or `zero` (revert everything)";
const STAMP_FORMS: &str =
    "a VERSION, `head` (every migration file) or `base` (nothing applied: every row removed)";

/// A VERSION: digits only, at least 0.
fn version(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// `N` of `+N` / `-N`: digits only, at least 1.
fn steps(n: &str) -> Option<u32> {
    version(n)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
}

/// Where `migrate` goes (no target: `head`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrateTarget {
    /// Every pending migration (`head`).
    Head,
    /// The next N pending migrations (`+N`).
    Steps(u32),
    /// Pending migrations up to and including this version.
    Version(i64),
}

impl TargetForm for MigrateTarget {
    fn parse_form(s: &str) -> Result<Self, BadTarget> {
        let bad = |what: String, sub, args: &str| {
            Err(BadTarget::new(
                format!("{what}; migrate takes {MIGRATE_FORMS}"),
                sub,
                args,
            ))
        };
        match s {
            "head" => return Ok(MigrateTarget::Head),
            "base" | "zero" => {
                return bad(
                    format!("`{s}` would revert everything: that is downgrade's job"),
                    "downgrade",
                    "base",
                );
            }
            _ => {}
        }
        if let Some(n) = s.strip_prefix('+') {
            return match steps(n) {
                Some(n) => Ok(MigrateTarget::Steps(n)),
                None => bad(format!("`{s}` is not a step count"), "migrate", "+1"),
            };
        }
        if let Some(n) = s.strip_prefix('-') {
            let args = match steps(n) {
                Some(n) => format!("-{n}"),
                None => "-1".into(),
            };
            return bad(
                format!("`{s}` goes back: that is downgrade's job"),
                "downgrade",
                &args,
            );
        }
        match version(s) {
            Some(v) => Ok(MigrateTarget::Version(v)),
            None => bad(format!("`{s}` is not a migrate target"), "migrate", "head"),
        }
    }
}

impl FromStr for MigrateTarget {
    type Err = BadTarget;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_form(s)
    }
}

impl fmt::Display for MigrateTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrateTarget::Head => f.write_str("head"),
            MigrateTarget::Steps(n) => write!(f, "+{n}"),
            MigrateTarget::Version(v) => write!(f, "{v}"),
        }
    }
}

/// Where `downgrade` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DowngradeTarget {
    /// N steps back.
    Steps(u32),
    /// Revert everything above this version.
    Version(i64),
    /// Revert everything (`zero`, or Alembic's `base`).
    Zero,
}

impl TargetForm for DowngradeTarget {
    fn parse_form(s: &str) -> Result<Self, BadTarget> {
        let bad = |what: String, sub, args: &str| {
            Err(BadTarget::new(
                format!("{what}; downgrade takes {DOWNGRADE_FORMS}"),
                sub,
                args,
            ))
        };
        match s {
            "zero" | "base" => return Ok(DowngradeTarget::Zero),
            "head" => {
                return bad(
                    "`head` goes forward: that is migrate's job".into(),
                    "migrate",
                    "head",
                );
            }
            _ => {}
        }
        if let Some(n) = s.strip_prefix('-') {
            return match steps(n) {
                Some(n) => Ok(DowngradeTarget::Steps(n)),
                None => bad(format!("`{s}` is not a step count"), "downgrade", "-1"),
            };
        }
        if let Some(n) = s.strip_prefix('+') {
            let args = match steps(n) {
                Some(n) => format!("+{n}"),
                None => "+1".into(),
            };
            return bad(
                format!("`{s}` goes forward: that is migrate's job"),
                "migrate",
                &args,
            );
        }
        match version(s) {
            Some(v) => Ok(DowngradeTarget::Version(v)),
            None => bad(
                format!("`{s}` is not a downgrade target"),
                "downgrade",
                "-1",
            ),
        }
    }
}

impl FromStr for DowngradeTarget {
    type Err = BadTarget;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_form(s)
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
    /// Nothing applied: every row of `_sqlx_migrations` removed (`base`, or `zero`).
    Base,
    /// A given version.
    Version(i64),
}

impl TargetForm for StampTarget {
    fn parse_form(s: &str) -> Result<Self, BadTarget> {
        match s {
            "head" => return Ok(StampTarget::Head),
            "base" | "zero" => return Ok(StampTarget::Base),
            _ => {}
        }
        version(s).map(StampTarget::Version).ok_or_else(|| {
            BadTarget::new(
                format!("`{s}` is not a stamp target; stamp takes {STAMP_FORMS}"),
                "stamp",
                "head",
            )
        })
    }
}

impl FromStr for StampTarget {
    type Err = BadTarget;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_form(s)
    }
}

impl fmt::Display for StampTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StampTarget::Head => f.write_str("head"),
            StampTarget::Base => f.write_str("base"),
            StampTarget::Version(v) => write!(f, "{v}"),
        }
    }
}

#[cfg(test)]
mod tests;
