//! Host side: the `admin` CLI. Never connects to Postgres (see ARCHITECTURE.md).

pub mod compose;
pub mod cli;
