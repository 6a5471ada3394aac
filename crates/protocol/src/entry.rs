//! What both thin binaries share: run the command on a tokio runtime, print the error once,
//! turn the outcome into the process exit code.

use std::future::Future;

use crate::diag::Diagnostic;
use crate::exit::{self, ExitCode};
use crate::output::Printer;
use crate::text::Text;

/// What a binary knows about its own errors.
pub struct Errors {
    /// The exit code of one of its error types.
    pub code_of: fn(&(dyn std::error::Error + 'static)) -> Option<ExitCode>,
    /// The first of its errors in a chain as data (protocol mode sends it instead of text).
    pub diagnose: fn(&anyhow::Error) -> Option<Diagnostic>,
}

/// Runs `command` to completion and returns the process exit code.
pub fn run<F>(printer: &Printer, errors: Errors, command: F) -> std::process::ExitCode
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
            let code = exit::of(&err, errors.code_of);
            let printed = if printer.is_protocol() {
                let d = (errors.diagnose)(&err).unwrap_or_else(|| {
                    // Not one of ours (an I/O error writing output, …): its text, as is.
                    let text = err
                        .chain()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(": ");
                    Diagnostic::new(code.code(), "other", Text::plain(text))
                });
                printer.diagnostic(&d)
            } else {
                printer.error(&err)
            };
            // If the output itself is gone there is nobody left to tell.
            if printed.is_err() {
                return ExitCode::Failure.into();
            }
            code.into()
        }
    }
}
