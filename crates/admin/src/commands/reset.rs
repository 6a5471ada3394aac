//! `admin db reset [--yes]`: the migrator's `reset` (drop every object of the database, apply
//! every migration again), confirmed here first: on a terminal admin asks (type `yes`);
//! without one `--yes` is required. The migrator refuses a production database itself (it
//! reads the URL in the container) and gets `--yes` once confirmed.

use std::io::{BufRead, IsTerminal};

use crate::error::AdminError;
use crate::output::Printer;

/// Asks on the terminal; refuses without one.
pub fn confirm(printer: &Printer) -> Result<(), AdminError> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(AdminError::ResetNeedsYes);
    }
    printer.status(
        "reset drops every object of the project database, data included, then migrates again. Type yes to go on:",
    )?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(AdminError::ResetDeclined)
    }
}
