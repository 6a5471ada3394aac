//! One file per `admin` subcommand (each runs through a [`crate::target::Target`]). Shared
//! here: the sink that passes a program's output through the printer.

pub mod dbshell;
pub mod env_check;
pub mod migrator;
pub mod shell;

use crate::docker;
use crate::output::Printer;

/// Passes a remote program's output straight through the printer.
pub struct Passthrough<'p>(pub &'p Printer);

impl docker::OutputSink for Passthrough<'_> {
    fn stdout(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.raw_stdout(bytes)
    }
    fn stderr(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.raw_stderr(bytes)
    }
}
