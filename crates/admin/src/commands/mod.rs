//! One file per `admin` subcommand (each runs through a [`crate::target::Target`]). Shared
//! here: the sink that passes a program's output through the printer.

pub mod all;
pub mod dbshell;
pub mod env_check;
pub mod migrator;
pub mod reset;
pub mod shell;

use crate::docker;
use crate::output::Printer;

/// A TTY session when stdin and stdout are both terminals; otherwise no TTY and the host's
/// stdin is copied, then closed (pipes, CI). Returns whether it is interactive.
pub fn terminal_mode() -> (bool, docker::ExecMode) {
    use std::io::IsTerminal;
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let mode = if interactive {
        docker::ExecMode::Interactive
    } else {
        docker::ExecMode::Streamed {
            stdin: docker::ExecStdin::Host,
        }
    };
    (interactive, mode)
}

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
