//! admin's one integration test binary (just-style): the Docker layer against the real engine,
//! and the real `admin` binary end to end on real Compose projects (with the migrator inside
//! the reference images).
#![allow(
    clippy::disallowed_methods,
    reason = "tests read their own environment"
)]

mod canary;
mod crate_graph;
mod docker_exec;
mod e2e;
mod engines;

pub use testkit::{Out, Run, figures, wait};

/// The repository root (docker/, compose/, .env.example, schema.sql live there).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The migrator binary the reference images bundle: the workspace's build of it, next to this
/// package's `admin` binary (`cargo test --workspace` builds both before any test runs).
pub fn migrator_bin() -> std::path::PathBuf {
    let admin = std::path::Path::new(env!("CARGO_BIN_EXE_admin"));
    let bin = admin.with_file_name("migrator");
    assert!(
        bin.exists(),
        "{} is not built\nhint: cargo build -p migrator (just test builds the whole workspace)",
        bin.display()
    );
    bin
}
