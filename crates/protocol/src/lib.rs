//! What `admin` (host) and `migrator` (in the API container) share, and nothing else: the
//! migrator's command-line vocabulary and its argv rendering ([`cli`], [`argv`]), the files
//! admin sends ([`bundle`]), what the migrator sends back in protocol mode ([`message`]:
//! progress events, outcomes ([`results`]), errors as data ([`diag`]), all with files and
//! commands as references ([`text`])), exit codes ([`exit`]), the output printer ([`output`]),
//! secret redaction ([`redact`]), logging and the thin binaries' entry point. No database, no
//! Docker: both sides depend on this crate, never on each other.

pub mod argv;
pub mod bundle;
pub mod cli;
pub mod diag;
pub mod entry;
pub mod er;
pub mod exit;
pub mod logging;
pub mod message;
pub mod output;
pub mod pair;
pub mod progress;
pub mod redact;
pub mod results;
pub mod text;
