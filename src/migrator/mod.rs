//! The `migrator` binary's library: applies, reverts and generates migrations. Never talks to
//! Docker.

pub mod cli;
pub mod db;
pub mod error;
pub mod files;
