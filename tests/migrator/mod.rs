//! `migrator` against a real PostgreSQL.

mod basics;
mod downgrade;
mod makemigrations;
mod safety;
mod sqlx_compat;
