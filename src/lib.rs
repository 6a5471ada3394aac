//! `admin` gives Docker Compose projects a Django/Alembic-style database workflow.
//!
//! Two binaries share this library: `admin` (host side, see [`admin`]) and `migrator`
//! (inside the API container, see [`migrator`]). See ARCHITECTURE.md for the code map.

pub mod admin;
pub mod entry;
pub mod exit;
pub mod logging;
pub mod migrator;
pub mod output;
pub mod protocol;
pub mod redact;
