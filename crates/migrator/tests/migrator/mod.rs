//! `migrator` against a real PostgreSQL.

mod autogen;
mod autogen_cache;
mod baseline;
mod basics;
mod canary;
mod concurrency;
mod coverage;
mod downgrade;
mod drift;
mod edges;
mod graph;
mod kill9;
mod leftovers;
mod makemigrations;
mod pairs;
mod preflight;
mod pull;
mod reset;
mod safety;
mod shadow_cleanup;
mod snapshots;
mod sqlx_compat;
mod squash;
mod url_env;
mod vocabulary;
