//! The one integration test binary (just-style): every test runs the real binaries against a
//! real PostgreSQL (and, for `admin`, a real Docker engine).

mod common;
mod corpus;
mod docker_exec;
mod e2e;
mod migrator;
mod schema_diff;
