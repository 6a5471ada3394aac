//! `migrator` against a real PostgreSQL.

mod autogen;
mod autogen_cache;
mod basics;
mod coverage;
mod downgrade;
mod makemigrations;
mod safety;
mod sqlx_compat;
