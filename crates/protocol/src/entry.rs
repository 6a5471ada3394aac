//! What both thin binaries share: run the command on a tokio runtime, print the error once,
//! turn the outcome into the process exit code.

use std::future::Future;

use crate::exit::{self, ExitCode};
use crate::output::Printer;

/// Runs `command` to completion and returns the process exit code (`code_of` maps the binary's
/// own error types to their codes).
pub fn run<F>(
    printer: &Printer,
    code_of: fn(&(dyn std::error::Error + 'static)) -> Option<ExitCode>,
    command: F,
) -> std::process::ExitCode
where
    F: Future<Output = anyhow::Result<ExitCode>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let result = match runtime {
        Ok(rt) => rt.block_on(command),
        Err(e) => Err(anyhow::Error::new(e).context("cannot start the async runtime")),
    };
    match result {
        Ok(code) => code.into(),
        Err(err) => {
            // If stderr itself is gone there is nobody left to tell.
            if printer.error(&err).is_err() {
                return ExitCode::Failure.into();
            }
            exit::of(&err, code_of).into()
        }
    }
}
