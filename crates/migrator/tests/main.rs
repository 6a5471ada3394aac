//! The migrator's one integration test binary (just-style): every test runs the real binary or
//! the real pipeline against a real PostgreSQL (a throwaway cluster, see `testkit::pg`).
#![allow(
    clippy::disallowed_methods,
    reason = "tests read their own environment"
)]

mod common;
mod corpus;
mod migrator;
mod schema_diff;
