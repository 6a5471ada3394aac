//! Host side: the `admin` CLI. Never connects to Postgres (see ARCHITECTURE.md).

pub mod cli;
pub mod compose;
pub mod docker;
