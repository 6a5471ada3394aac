//! The host-side `admin` CLI. Never connects to Postgres: it finds the API service's container and
//! runs `migrator` inside it.

pub mod docker;
