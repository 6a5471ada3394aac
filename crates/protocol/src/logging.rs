//! `-v` logging (tracing) to stderr. Messages never contain passwords: URLs are masked before
//! they are logged and sqlx's connect options (which Debug-print the password) are never logged.

use tracing_subscriber::EnvFilter;

/// sqlx's connect-options parser logs unknown parameters with their values.
const QUIET_OPTIONS: &str = "sqlx_postgres::options=off";

/// `-v`: our debug logs; `-vv`: plus sqlx statements; `RUST_LOG` overrides.
pub fn init(verbosity: u8) {
    // sqlx's slow-statement warnings quote whole statements (a migration, schema.sql): only
    // with -vv, never by default.
    let default = match verbosity {
        0 => "warn,sqlx=error",
        1 => "admin=debug,migrator=debug,protocol=debug,warn,sqlx=error",
        _ => "admin=trace,migrator=trace,protocol=trace,sqlx=debug,warn",
    };
    // sqlx warns about connect parameters it does not know *with their value*
    // (`?sslpassword=…`): that target stays silent whatever the level or RUST_LOG says.
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    if let Ok(quiet) = QUIET_OPTIONS.parse() {
        filter = filter.add_directive(quiet);
    }
    // Only fails when a subscriber is already installed (then that one keeps logging).
    if let Err(e) = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init()
    {
        tracing::debug!("logging was already initialised: {e}");
    }
}
