//! What `admin` (host) and `migrator` (in the API container) share, and nothing else: the
//! migrator's command-line vocabulary and its argv rendering ([`cli`], [`argv`]), the progress
//! events it streams ([`argv::Event`], rendered by [`progress`]), exit codes ([`exit`]), the
//! output printer ([`output`]), secret redaction ([`redact`]), logging and the thin binaries'
//! entry point. No database, no Docker: both sides depend on this crate, never on each other.

pub mod argv;
pub mod cli;
pub mod entry;
pub mod exit;
pub mod logging;
pub mod output;
pub mod progress;
pub mod redact;
